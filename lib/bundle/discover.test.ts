import { describe, expect, it } from 'vitest';
import { ConflictError, InvalidInputError } from '../errors/errors.ts';
import { formatRef } from '../object/ref.ts';
import { type FileFailure, loadObjects } from '../object/yaml.ts';
import { splitBundleDocuments } from './bundle-doc.ts';
import { discoverBundles, discoverMembers, type BundleDiscovery } from './discover.ts';

function discover(files: Record<string, string>): BundleDiscovery {
  return discoverBundles({
    objects: loadObjects({ files: Object.entries(files).map(([path, text]) => ({ path, text })) }),
  });
}

/** `Kind/ns/name <- via from` for each member, per bundle. */
function summary(d: BundleDiscovery): Record<string, string[]> {
  return Object.fromEntries(
    d.bundles.map((b) => [
      b.bundle.name,
      b.members.map((m) => `${formatRef(m.ref)} <- ${m.why.via} ${formatRef(m.why.from)}`),
    ]),
  );
}

const bundle = (name: string, spec: string) =>
  `apiVersion: drover.dev/v1alpha1\nkind: Bundle\nmetadata: {name: ${name}}\nspec:\n${spec}\n`;

const app = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api, tier: backend}}
    spec:
      serviceAccountName: api
      priorityClassName: high
      imagePullSecrets: [{name: regcred}]
      initContainers:
      - name: init
        env: [{name: X, valueFrom: {configMapKeyRef: {name: init-cfg, key: x}}}]
      containers:
      - name: api
        envFrom: [{configMapRef: {name: api-env}}, {secretRef: {name: api-secret}}]
        env: [{name: TOKEN, valueFrom: {secretKeyRef: {name: token, key: t}}}]
      volumes:
      - {name: cfg, configMap: {name: api-files}}
      - {name: data, persistentVolumeClaim: {claimName: api-data}}
      - name: all
        projected: {sources: [{configMap: {name: proj-cm}}, {secret: {name: proj-secret}}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: api-env, namespace: web}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: init-cfg, namespace: web}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: api-files, namespace: web}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: proj-cm, namespace: web}
---
apiVersion: v1
kind: Secret
metadata: {name: api-secret, namespace: web}
---
apiVersion: v1
kind: Secret
metadata: {name: regcred, namespace: web}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: api-data, namespace: web}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: api, namespace: web}
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: web}
spec: {selector: {app: api}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: api, namespace: web}
spec:
  tls: [{secretName: api-tls}]
  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}]}}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api, namespace: web}
spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}, minReplicas: 2, maxReplicas: 4}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: api, namespace: web}
spec: {minAvailable: 1, selector: {matchLabels: {app: api}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api, namespace: web}
spec: {podSelector: {matchExpressions: [{key: tier, operator: In, values: [backend]}]}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: web}
spec: {podSelector: {}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: api, namespace: web}
subjects: [{kind: ServiceAccount, name: api}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: api-reader}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: api-reader, namespace: web}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: unrelated, namespace: web}
`;

describe('discoverBundles', () => {
  it('follows every kind of edge from a root workload, with the reason for each member', () => {
    const d = discover({
      'app.yaml': app,
      'bundle.yaml': bundle('web', '  roots: [{kind: Deployment, name: api, namespace: web}]'),
    });
    expect(summary(d)).toEqual({
      web: [
        'PriorityClass/high <- priorityClassName Deployment/web/api',
        'ConfigMap/web/api-env <- envFrom Deployment/web/api',
        'ConfigMap/web/api-files <- volume Deployment/web/api',
        'ConfigMap/web/init-cfg <- env Deployment/web/api',
        'ConfigMap/web/proj-cm <- projected Deployment/web/api',
        'PersistentVolumeClaim/web/api-data <- volume Deployment/web/api',
        'Secret/web/api-secret <- envFrom Deployment/web/api',
        'Secret/web/regcred <- imagePullSecrets Deployment/web/api',
        'Service/web/api <- selector Deployment/web/api',
        'ServiceAccount/web/api <- serviceAccountName Deployment/web/api',
        'Deployment/web/api <- root Bundle/web',
        'HorizontalPodAutoscaler/web/api <- scaleTargetRef Deployment/web/api',
        'Ingress/web/api <- backend Service/web/api',
        'NetworkPolicy/web/api <- podSelector Deployment/web/api',
        'PodDisruptionBudget/web/api <- selector Deployment/web/api',
        'Role/web/api-reader <- roleRef RoleBinding/web/api',
        'RoleBinding/web/api <- subject ServiceAccount/web/api',
      ],
    });
    const web = d.bundles[0]!;
    expect(
      web.unresolved.map(
        (u) => `${formatRef(u.from)} -${u.via}-> ${u.target.kind}/${u.target.namespace}/${u.target.name}`,
      ),
    ).toEqual([
      'Deployment/web/api -env-> Secret/web/token',
      'Deployment/web/api -projected-> Secret/web/proj-secret',
      'Ingress/web/api -tls-> Secret/web/api-tls',
    ]);
    expect(d.unbundled.map((o) => formatRef(o.ref))).toEqual([
      'NetworkPolicy/web/default-deny',
      'ConfigMap/web/unrelated',
    ]);
    expect(web.members.every((m) => /^sha256:[a-f0-9]{64}$/.test(m.digest))).toBe(true);
    expect(web.members.find((m) => m.ref.kind === 'Ingress')!.file).toBe('app.yaml');
  });

  it.each([
    {
      name: 'a root Service brings the workloads it selects (HTTPRoute reverse, namespace defaulting)',
      files: {
        'a.yaml': `
apiVersion: v1
kind: Service
metadata: {name: front}
spec: {selector: {app: front}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: front}
spec:
  template:
    metadata: {labels: {app: front}}
    spec: {containers: [{name: c}]}
  volumeClaimTemplates: [{metadata: {name: data}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: other}
spec: {template: {metadata: {labels: {app: other}}, spec: {containers: [{name: c}]}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: front}
spec: {rules: [{backendRefs: [{name: front, port: 80}]}]}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
`,
        'b.yaml': bundle('shop', '  namespace: shop\n  roots: [{kind: Service, name: front}]'),
      },
      expected: {
        shop: [
          'Service/shop/front <- root Bundle/shop',
          'StatefulSet/shop/front <- selector Service/shop/front',
          'HTTPRoute/shop/front <- backendRef Service/shop/front',
        ],
      },
    },
    {
      name: 'include adds objects and follows them; exclude wins',
      files: {
        'a.yaml': `
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: ops}
spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: c, envFrom: [{configMapRef: {name: shared-cfg}}, {secretRef: {name: creds}}]}]}}}}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: shared-cfg, namespace: ops}
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: ops}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: flags-a, namespace: ops, labels: {feature: "yes"}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: flags-b, namespace: ops}
`,
        'b.yaml': bundle(
          'ops',
          '  roots: [{kind: CronJob, name: nightly}]\n  include: [{kind: ConfigMap, name: "flags-*"}]\n  exclude: [{kind: ConfigMap, name: shared-cfg}, {name: flags-b}]',
        ),
      },
      expected: {
        ops: [
          'ConfigMap/ops/flags-a <- include Bundle/ops',
          'Secret/ops/creds <- envFrom CronJob/ops/nightly',
          'CronJob/ops/nightly <- root Bundle/ops',
        ],
      },
    },
    {
      name: 'an object shared by both bundles is in both',
      files: {
        'a.yaml': `
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: n}
spec: {priorityClassName: high, containers: [{name: c}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: n}
spec: {priorityClassName: high, containers: [{name: c}]}
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
`,
        'b.yaml': `${bundle('a', '  roots: [{kind: Pod, name: a}]\n  shared: [{kind: PriorityClass}]')}---\n${bundle('b', '  roots: [{kind: Pod, name: b}]\n  shared: [{kind: PriorityClass, name: high}]')}`,
      },
      expected: {
        a: ['PriorityClass/high <- priorityClassName Pod/n/a', 'Pod/n/a <- root Bundle/a'],
        b: ['PriorityClass/high <- priorityClassName Pod/n/b', 'Pod/n/b <- root Bundle/b'],
      },
    },
    {
      name: 'unnamespaced objects take each bundle its own namespace',
      files: {
        'a.yaml':
          'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, envFrom: [{configMapRef: {name: cfg}}]}]}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n',
        'b.yaml': `${bundle('dev', '  namespace: dev\n  roots: [{kind: Pod, name: p}]')}---\n${bundle('qa', '  namespace: qa\n  roots: [{kind: Pod, name: p}]')}`,
      },
      expected: {
        dev: ['ConfigMap/dev/cfg <- envFrom Pod/dev/p', 'Pod/dev/p <- root Bundle/dev'],
        qa: ['ConfigMap/qa/cfg <- envFrom Pod/qa/p', 'Pod/qa/p <- root Bundle/qa'],
      },
    },
  ])('$name', ({ files, expected }) => {
    expect(summary(discover(files))).toEqual(expected);
  });

  it('is deterministic whatever the file order', () => {
    const files = {
      'app.yaml': app,
      'bundle.yaml': bundle('web', '  roots: [{kind: Deployment, name: api, namespace: web}]'),
    };
    const reversed = Object.fromEntries(Object.entries(files).reverse());
    expect(summary(discover(reversed))).toEqual(summary(discover(files)));
  });

  it('refuses an object claimed by two bundles, naming both and the object', () => {
    const files = {
      'app.yaml': `
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: n}
spec: {containers: [{name: c, envFrom: [{configMapRef: {name: common}}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: n}
spec: {volumes: [{name: v, configMap: {name: common}}], containers: [{name: c}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: common, namespace: n}
`,
      'bundles/a.yaml': bundle('a', '  roots: [{kind: Pod, name: a}]\n  shared: [{kind: ConfigMap}]'),
      'bundles/b.yaml': bundle('b', '  roots: [{kind: Pod, name: b}]'),
    };
    let err: unknown;
    try {
      discover(files);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConflictError);
    const e = err as ConflictError;
    expect(e.message).toBe(
      'ConfigMap/n/common is claimed by bundle "a" (bundles/a.yaml; envFrom from Pod/n/a) and bundle "b" (bundles/b.yaml; volume from Pod/n/b): list it in spec.shared of every bundle that reaches it, or exclude it from all but one',
    );
    expect(e.data.conflicts).toEqual([
      {
        object: 'ConfigMap/n/common',
        bundles: [
          { name: 'a', file: 'bundles/a.yaml', via: 'envFrom', from: 'Pod/n/a', shared: true },
          { name: 'b', file: 'bundles/b.yaml', via: 'volume', from: 'Pod/n/b', shared: false },
        ],
      },
    ]);
  });

  it.each([
    {
      name: 'a missing root',
      spec: '  roots: [{kind: Deployment, name: nope, namespace: web}]',
      message: 'bundles/x.yaml:1: bundle "x": root Deployment/web/nope is not in the repository',
    },
    {
      name: 'a root in another namespace',
      spec: '  namespace: other\n  roots: [{kind: Deployment, name: api}]',
      message: 'bundles/x.yaml:1: bundle "x": root Deployment/api is not in the repository',
    },
    {
      name: 'an excluded root',
      spec: '  roots: [{kind: Deployment, name: api}]\n  exclude: [{kind: Deployment}]',
      message: 'bundles/x.yaml:1: bundle "x": root Deployment/web/api is also excluded',
    },
    {
      name: 'an ambiguous root',
      spec: '  roots: [{kind: ConfigMap, name: dup}]',
      message:
        'root ConfigMap/dup is ambiguous: ConfigMap/a/dup (app.yaml), ConfigMap/b/dup (app.yaml); give its namespace or apiVersion',
    },
  ])('refuses $name, naming the Bundle file', ({ spec, message }) => {
    const files = {
      'app.yaml': `${app}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: dup, namespace: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: dup, namespace: b}\n`,
      'bundles/x.yaml': bundle('x', spec),
    };
    let err: unknown;
    try {
      discover(files);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).message).toContain(message);
    expect((err as InvalidInputError).data).toMatchObject({ file: 'bundles/x.yaml', bundle: 'x' });
  });
});

describe('discovery scoped by spec.paths, and files that fail to load', () => {
  const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: shop}\n`;
  const dep = (name: string, config: string) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, namespace: shop}\nspec:\n  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec: {containers: [{name: c, image: x, envFrom: [{configMapRef: {name: ${config}}}]}]}\n`;
  const files = {
    'cart/app.yaml': `${dep('cart', 'shared')}---\n${bundle('cart', '  roots: [{kind: Deployment, namespace: shop, name: cart}]\n  paths: [cart/]')}`,
    'checkout/app.yaml': `${dep('checkout', 'shared')}---\n${bundle('checkout', '  roots: [{kind: Deployment, namespace: shop, name: checkout}]\n  paths: ["checkout/**", common/shared.yaml]')}`,
    'common/shared.yaml': cm('shared'),
    'misc/broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n',
  };
  const load = (f: Record<string, string>) => {
    const failures: FileFailure[] = [];
    const objects = loadObjects({
      files: Object.entries(f).map(([path, text]) => ({ path, text })),
      onFileError: (x) => failures.push(x),
    });
    return discoverBundles({ objects, failures });
  };

  it('a bundle sees only the files its paths select', () => {
    const d = load({ ...files, 'misc/broken.yaml': cm('other') });
    expect(summary(d)).toEqual({
      cart: ['Deployment/shop/cart <- root Bundle/cart'],
      checkout: [
        'ConfigMap/shop/shared <- envFrom Deployment/shop/checkout',
        'Deployment/shop/checkout <- root Bundle/checkout',
      ],
    });
    expect(d.bundles.find((b) => b.bundle.name === 'cart')!.unresolved.map((u) => u.target.name)).toEqual(['shared']);
  });

  it("a file outside every bundle's paths blocks none of them", () => {
    const d = load(files);
    expect(d.bundles.map((b) => b.bundle.name)).toEqual(['cart', 'checkout']);
    expect(d.blocked).toEqual([]);
  });

  it("a file inside one bundle's paths blocks that bundle only, naming the file and line", () => {
    const d = load({ ...files, 'common/shared.yaml': 'a: [\n' });
    expect(d.bundles.map((b) => b.bundle.name)).toEqual(['cart']);
    expect(d.blocked.map((b) => [b.bundle.name, b.failures.map((f) => f.file)])).toEqual([
      ['checkout', ['common/shared.yaml']],
    ]);
    expect(d.blocked[0]!.failures[0]!.error.message).toMatch(/^common\/shared\.yaml:\d+:\d+: malformed YAML/);
  });

  it('a bundle without paths is blocked by any broken file', () => {
    const d = load({
      ...files,
      'web/app.yaml': `${dep('web', 'web')}---\n${bundle('web', '  roots: [{kind: Deployment, namespace: shop, name: web}]')}`,
    });
    expect(d.bundles.map((b) => b.bundle.name)).toEqual(['cart', 'checkout']);
    expect(d.blocked.map((b) => b.bundle.name)).toEqual(['web']);
  });

  it('refuses a path pattern that leaves the repository, naming the Bundle file', () => {
    expect(() =>
      load({ 'a.yaml': bundle('a', '  roots: [{kind: Deployment, name: a}]\n  paths: [../elsewhere]') }),
    ).toThrow(
      /a\.yaml:1: invalid Bundle "a": spec\.paths\[0\]: path "\.\.\/elsewhere" has an empty, '\.' or '\.\.' segment/,
    );
  });
});

describe('members of a render', () => {
  const rendered = loadObjects({
    files: [
      {
        path: 'charts/web/templates/all.yaml',
        text: 'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: web}\n',
      },
    ],
  });
  const helmBundle = (spec: string) =>
    splitBundleDocuments({ objects: loadObjects({ files: [{ path: 'bundle.yaml', text: bundle('web', spec) }] }) })
      .bundles[0]!;
  it.each([
    [
      'spec.helm.namespace',
      '  helm: {chart: charts/web, namespace: shop}',
      ['ClusterRole/web', 'PodDisruptionBudget/shop/web'],
    ],
    [
      "no namespace given (Helm's implicit default is not)",
      '  helm: {chart: charts/web}',
      ['ClusterRole/web', 'PodDisruptionBudget/web'],
    ],
  ])('a Helm bundle gives members without a namespace its release namespace: %s', (_what, spec, refs) => {
    expect(
      discoverMembers({ bundle: helmBundle(spec), objects: rendered })
        .members.map((m) => formatRef(m.ref))
        .sort(),
    ).toEqual(refs);
  });
});

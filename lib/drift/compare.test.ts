// Tables of inline YAML: the member as Drover applied it, the live object as a
// real API server returns it (defaults filled in, managedFields as recorded
// after `kubectl scale`, `kubectl edit`, `kubectl annotate`...), and the
// drift expected.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from '../object/ref.ts';
import { compareObject, listShape, parseQuantity } from './compare.ts';
import { parseFieldsV1 } from './fieldset.ts';

const y = (s: string) => parse(s) as KubeObject;

const desiredDeploy = y(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {drover.dev/bundle: web}, annotations: {drover.dev/owner: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: registry.invalid/web:1
        ports: [{containerPort: 8080}]
        args: [serve, --port=8080]
        env: [{name: MODE, value: prod}]
        resources: {requests: {cpu: 0.5, memory: 64Mi}}
`);

/** drover's set right after the apply of desiredDeploy, as the API server records it. */
const droverDeploySet = (replicas = true, extra = '') => `
  - manager: drover
    operation: Apply
    fieldsV1:
      f:metadata:
        f:labels: {f:drover.dev/bundle: {}}
        f:annotations: {f:drover.dev/owner: {}}
      f:spec:
        ${replicas ? 'f:replicas: {}' : ''}
        f:selector: {}
        f:template:
          f:metadata: {f:labels: {f:app: {}}}
          f:spec:
            f:containers:
              k:{"name":"web"}:
                .: {}
                f:args: {}
                f:env:
                  k:{"name":"MODE"}: {.: {}, f:name: {}, f:value: {}}
                f:image: {}
                f:name: {}
                f:ports:
                  k:{"containerPort":8080,"protocol":"TCP"}: {.: {}, f:containerPort: {}}
                f:resources: {f:requests: {f:cpu: {}, f:memory: {}}}
${extra}`;

const liveDeploy = ({
  replicas = 2,
  image = 'registry.invalid/web:1',
  args = '[serve, --port=8080]',
  env = '[{name: MODE, value: prod}]',
  sidecar = '',
  managed = droverDeploySet(),
} = {}) =>
  y(`
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  uid: 6f0c
  resourceVersion: "1234"
  generation: 1
  labels: {drover.dev/bundle: web}
  annotations: {drover.dev/owner: web, deployment.kubernetes.io/revision: "1"}
  managedFields:
${managed}
  - manager: kube-controller-manager
    operation: Update
    subresource: status
    fieldsV1: {f:metadata: {f:annotations: {f:deployment.kubernetes.io/revision: {}}}, f:status: {f:replicas: {}}}
spec:
  progressDeadlineSeconds: 600
  replicas: ${replicas}
  revisionHistoryLimit: 10
  selector: {matchLabels: {app: web}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 25%, maxUnavailable: 25%}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: ${image}
        imagePullPolicy: IfNotPresent
        args: ${args}
        env: ${env}
        ports: [{containerPort: 8080, protocol: TCP}]
        resources: {requests: {cpu: 500m, memory: 64Mi}}
        terminationMessagePath: /dev/termination-log
        terminationMessagePolicy: File
${sidecar}
      dnsPolicy: ClusterFirst
      restartPolicy: Always
      schedulerName: default-scheduler
      securityContext: {}
      terminationGracePeriodSeconds: 30
status: {replicas: 2, readyReplicas: 2}
`);

const desiredCm = y(`
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: shop, labels: {drover.dev/bundle: web}}
data: {LOG_LEVEL: info, OTHER: x}
`);
const liveCm = (data: string, managed: string) =>
  y(`
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
  namespace: shop
  labels: {drover.dev/bundle: web}
  managedFields:
${managed}
data: ${data}
`);
const droverCm = (keys: string[], label = true) => `
  - manager: drover
    operation: Apply
    fieldsV1:
      f:data: {${keys.map((k) => `f:${k}: {}`).join(', ')}}
      ${label ? 'f:metadata: {f:labels: {f:drover.dev/bundle: {}}}' : ''}
`;

describe('compareObject', () => {
  const cases: { name: string; desired: KubeObject; live: KubeObject; ignore?: string[]; want: unknown[] }[] = [
    {
      name: 'right after the apply: defaults, status, normalized quantities are not drift',
      desired: desiredDeploy,
      live: liveDeploy(),
      want: [],
    },
    {
      name: 'a value the server rewrote as Drover applied it (admission pinned the image) is what Drover owns, not drift',
      desired: desiredDeploy,
      live: liveDeploy({ image: 'registry.invalid/web:1@sha256:0f0f' }),
      want: [],
    },
    {
      name: 'an empty map the server drops (container securityContext: {}) is not drift while Drover owns it',
      desired: (() => {
        const d = structuredClone(desiredDeploy) as KubeObject & {
          spec: { template: { spec: { containers: Record<string, unknown>[] } } };
        };
        d.spec.template.spec.containers[0]!.securityContext = {};
        return d;
      })(),
      live: liveDeploy({
        managed: droverDeploySet().replace('f:image: {}', 'f:image: {}\n                f:securityContext: {}'),
      }),
      want: [],
    },
    {
      name: 'kubectl scale moves spec.replicas to kubectl',
      desired: desiredDeploy,
      live: liveDeploy({
        replicas: 5,
        managed: `${droverDeploySet(false)}
  - {manager: kubectl, operation: Update, subresource: scale, fieldsV1: {f:spec: {f:replicas: {}}}}`,
      }),
      want: [{ path: 'spec.replicas', desired: 2, live: 5, managers: ['kubectl'] }],
    },
    {
      name: 'scaled away and back to the desired value is not drift',
      desired: desiredDeploy,
      live: liveDeploy({
        managed: `${droverDeploySet(false)}\n  - {manager: kubectl, operation: Update, subresource: scale, fieldsV1: {f:spec: {f:replicas: {}}}}`,
      }),
      want: [],
    },
    {
      name: 'an HPA of the bundle owns replicas',
      desired: desiredDeploy,
      live: liveDeploy({
        replicas: 4,
        managed: `${droverDeploySet(false)}\n  - {manager: kube-controller-manager, operation: Update, subresource: scale, fieldsV1: {f:spec: {f:replicas: {}}}}`,
      }),
      ignore: ['spec.replicas'],
      want: [],
    },
    {
      name: 'kubectl set image: the container image, named by the container',
      desired: desiredDeploy,
      live: liveDeploy({
        image: 'evil/web:6',
        managed: `${droverDeploySet().replace('f:image: {}', '')}
  - manager: kubectl-set
    operation: Update
    fieldsV1: {f:spec: {f:template: {f:spec: {f:containers: {'k:{"name":"web"}': {f:image: {}}}}}}}`,
      }),
      want: [
        {
          path: 'spec.template.spec.containers[name=web].image',
          desired: 'registry.invalid/web:1',
          live: 'evil/web:6',
          managers: ['kubectl-set'],
        },
      ],
    },
    {
      name: 'a sidecar container and an env var added by another manager are theirs',
      desired: desiredDeploy,
      live: liveDeploy({
        env: '[{name: MODE, value: prod}, {name: EXTRA, value: "1"}]',
        sidecar: '      - {name: mesh, image: mesh:1, imagePullPolicy: IfNotPresent}',
        managed: `${droverDeploySet()}
  - manager: injector
    operation: Update
    fieldsV1: {f:spec: {f:template: {f:spec: {f:containers: {'k:{"name":"mesh"}': {.: {}, f:image: {}, f:name: {}}, 'k:{"name":"web"}': {f:env: {'k:{"name":"EXTRA"}': {.: {}, f:name: {}, f:value: {}}}}}}}}}`,
      }),
      want: [],
    },
    {
      name: 'an env var removed with kubectl edit is gone',
      desired: desiredDeploy,
      live: liveDeploy({ env: '[]', managed: droverDeploySet().replace(/\n\s*f:env:\n[^\n]*/, '') }),
      want: [
        {
          path: 'spec.template.spec.containers[name=web].env[name=MODE]',
          desired: { name: 'MODE', value: 'prod' },
          managers: [],
        },
      ],
    },
    {
      name: 'an atomic list (args) changed is drift as a whole',
      desired: desiredDeploy,
      live: liveDeploy({
        args: '[serve, --port=9090]',
        managed: `${droverDeploySet().replace('f:args: {}', '')}
  - {manager: kubectl-edit, operation: Update, fieldsV1: {f:spec: {f:template: {f:spec: {f:containers: {'k:{"name":"web"}': {f:args: {}}}}}}}}`,
      }),
      want: [
        {
          path: 'spec.template.spec.containers[name=web].args',
          desired: ['serve', '--port=8080'],
          live: ['serve', '--port=9090'],
          managers: ['kubectl-edit'],
        },
      ],
    },
    {
      name: 'kubectl edit of ConfigMap data names the key and the new owner',
      desired: desiredCm,
      live: liveCm(
        '{LOG_LEVEL: debug, OTHER: x}',
        `${droverCm(['OTHER'])}\n  - {manager: kubectl-edit, operation: Update, fieldsV1: {f:data: {f:LOG_LEVEL: {}}}}`,
      ),
      want: [{ path: 'data.LOG_LEVEL', desired: 'info', live: 'debug', managers: ['kubectl-edit'] }],
    },
    {
      name: 'an annotation added by another manager is not drift',
      desired: desiredCm,
      live: (() => {
        const o = liveCm(
          '{LOG_LEVEL: info, OTHER: x}',
          `${droverCm(['LOG_LEVEL', 'OTHER'])}\n  - {manager: kubectl-annotate, operation: Update, fieldsV1: {f:metadata: {f:annotations: {.: {}, f:team: {}}}}}`,
        );
        o.metadata.annotations = { team: 'blue' };
        return o;
      })(),
      want: [],
    },
    {
      name: "Drover's label removed",
      desired: desiredCm,
      live: (() => {
        const o = liveCm('{LOG_LEVEL: info, OTHER: x}', droverCm(['LOG_LEVEL', 'OTHER'], false));
        delete o.metadata.labels;
        return o;
      })(),
      want: [{ path: 'metadata.labels["drover.dev/bundle"]', desired: 'web', managers: [] }],
    },
    {
      name: 'a key deleted and the data of an object nobody manages any more',
      desired: desiredCm,
      live: liveCm('{OTHER: y}', ''),
      want: [
        { path: 'data.LOG_LEVEL', desired: 'info', managers: [] },
        { path: 'data.OTHER', desired: 'x', live: 'y', managers: [] },
      ],
    },
    {
      name: 'a Service: defaulted protocol in the port key, clusterIP and type are the server',
      desired: y(`
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: 8080}]}
`),
      live: y(`
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
  managedFields:
  - manager: drover
    operation: Apply
    fieldsV1: {f:spec: {f:ports: {'k:{"port":80,"protocol":"TCP"}': {.: {}, f:name: {}, f:port: {}, f:targetPort: {}}}, f:selector: {}}}
spec:
  clusterIP: 10.0.0.12
  clusterIPs: [10.0.0.12]
  internalTrafficPolicy: Cluster
  ipFamilies: [IPv4]
  ipFamilyPolicy: SingleStack
  ports: [{name: http, port: 80, protocol: TCP, targetPort: 8080}]
  selector: {app: web}
  sessionAffinity: None
  type: ClusterIP
`),
      want: [],
    },
    {
      name: 'a quantity rewritten by another manager to the same amount is not drift',
      desired: desiredDeploy,
      live: liveDeploy({
        managed: `${droverDeploySet().replace('f:cpu: {}, ', '')}\n  - {manager: kubectl-edit, operation: Update, fieldsV1: {f:spec: {f:template: {f:spec: {f:containers: {'k:{"name":"web"}': {f:resources: {f:requests: {f:cpu: {}}}}}}}}}}`,
      }),
      want: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(compareObject({ desired: c.desired, live: c.live, ...(c.ignore ? { ignore: c.ignore } : {}) })).toEqual(
        c.want,
      );
    });
  }

  describe('Secrets are masked', () => {
    const desired = y(`
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
type: Opaque
data: {password: aHVudGVyMg==}
stringData: {token: s3cr3t-token}
`);
    const live = (password: string, token: string, managed: string) =>
      y(`
apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: shop
  managedFields:
${managed}
type: Opaque
data: {password: ${password}, token: ${token}}
`);
    const b64 = (s: string) => Buffer.from(s).toString('base64');

    it('stringData is compared as the base64 data the server keeps', () => {
      expect(
        compareObject({
          desired,
          live: live(
            'aHVudGVyMg==',
            b64('s3cr3t-token'),
            '  - {manager: drover, operation: Apply, fieldsV1: {f:data: {f:password: {}}, f:stringData: {f:token: {}}, f:type: {}}}',
          ),
        }),
      ).toEqual([]);
    });

    it('changed values show as *** on both sides, never in clear', () => {
      const got = compareObject({
        desired,
        live: live(
          b64('changed-pw'),
          b64('changed-token'),
          '  - {manager: drover, operation: Apply, fieldsV1: {f:type: {}}}\n  - {manager: kubectl-edit, operation: Update, fieldsV1: {f:data: {f:password: {}, f:token: {}}}}',
        ),
      });
      expect(got).toEqual([
        { path: 'data.password', desired: '***', live: '***', managers: ['kubectl-edit'] },
        { path: 'data.token', desired: '***', live: '***', managers: ['kubectl-edit'] },
      ]);
      const text = JSON.stringify(got);
      for (const secret of ['hunter2', 'aHVudGVyMg==', 's3cr3t', b64('s3cr3t-token'), 'changed', b64('changed-pw')])
        expect(text).not.toContain(secret);
    });

    it('a member that was SOPS-encrypted in Git is masked whole, whatever its kind', () => {
      const live = liveCm(
        '{LOG_LEVEL: debug, OTHER: x}',
        `${droverCm(['OTHER'])}\n  - {manager: kubectl-edit, operation: Update, fieldsV1: {f:data: {f:LOG_LEVEL: {}}}}`,
      );
      expect(compareObject({ desired: desiredCm, live, sensitive: true })).toEqual([
        { path: 'data.LOG_LEVEL', desired: '***', live: '***', managers: ['kubectl-edit'] },
      ]);
    });

    it('a deleted data map lists its keys masked', () => {
      const got = compareObject({ desired, live: { ...live('x', 'y', ''), data: undefined } as unknown as KubeObject });
      expect(got.map((f) => [f.path, f.desired, f.live])).toEqual([
        ['data.password', '***', undefined],
        ['data.token', '***', undefined],
      ]);
    });
  });
});

describe('listShape', () => {
  const shape = (fields: unknown) => parseFieldsV1(fields);
  it.each([
    [
      'keyed by managedFields',
      shape({ 'k:{"port":80,"protocol":"TCP"}': {} }),
      [{ port: 80 }],
      { type: 'map', keys: ['port', 'protocol'] },
    ],
    ['a set', shape({ 'v:"a"': {} }), ['a'], { type: 'set' }],
    ['atomic leaf', shape({}), [{ a: 1 }], { type: 'atomic' }],
    ['unknown, named objects', undefined, [{ name: 'x' }], { type: 'map', keys: ['name'] }],
    ['unknown, scalars', undefined, ['x'], { type: 'atomic' }],
  ])('%s', (_n, s, items, want) => {
    expect(listShape(s, items)).toEqual(want);
  });
});

describe('parseQuantity', () => {
  it.each([
    ['500m', 0.5],
    [0.5, 0.5],
    ['1', 1],
    ['1Gi', 2 ** 30],
    ['64Mi', 64 * 2 ** 20],
    ['1k', 1000],
    ['1e3', 1000],
    ['abc', undefined],
    [true, undefined],
  ])('%s', (q, want) => {
    expect(parseQuantity(q)).toBe(want);
  });
});

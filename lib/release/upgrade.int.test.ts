// Upgrading an install made by the previous release of Drover: the real
// engine of commit 911f4ca (one field manager `drover`, inventories without a
// ledger), extracted with git archive and run in a child process, installs
// two bundles; kubectl, as someone else, adds its own fields and a hand-made
// object. The next release of each bundle, by this engine, succeeds; every
// object keeps its uid and every value it had (Drover's that the new version
// still sets, and kubectl's); the fields and the member the new version drops
// are removed, which only happens because the objects moved from `drover` to
// `drover/<bundle>` first (the old manager would keep owning them); members
// the old code wrote stay "origin unknown" in the new ledger, since
// re-applying an object proves nothing about who made it.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { type Cluster, closeCluster, connectCluster } from '../cluster/cluster.ts';
import type { KubeObject } from '../object/ref.ts';
import { openState, type StateDb } from '../state/open.ts';
import { releaseSteps } from '../state/releases.ts';
import { readInventory } from './inventory.ts';
import { releaseToCluster } from './release.ts';
import type { VersionContent } from '../bundle/version-content.ts';

const PREVIOUS = '911f4ca';
const execFileP = promisify(execFile);
const env = testEnv();
const c1 = env.clusters[0]!;
const ns = uniqueName('upg');
const root = join(import.meta.dirname, '..', '..');
// Under the repo (gitignored), so the old code resolves node_modules from the repo root.
const previousDir = join(root, '.drover', `previous-${PREVIOUS}-${ns}`);
const dbPath = join(previousDir, 'state.db');
let cluster: Cluster;
let db: StateDb;
let drop: () => Promise<void>;

// The old engine's releaseToCluster, as `drover deploy` of that release called it, on the same journal file.
const CHILD = `import { readFileSync } from 'node:fs';
import { closeCluster, connectCluster } from './lib/cluster/cluster.ts';
import { releaseToCluster } from './lib/release/release.ts';
import { openState } from './lib/state/open.ts';

const [kubeconfig, context, dbPath, versionsPath, digest] = process.argv.slice(2);
const versions = new Map(JSON.parse(readFileSync(versionsPath, 'utf8')).map((v) => [v.digest, v]));
const cluster = await connectCluster({ name: context, kubeconfig, context });
const db = openState({ path: dbPath });
const r = await releaseToCluster({ db, cluster, target: versions.get(digest), loadVersion: async (v) => versions.get(v.digest), timeoutMs: 60_000 });
db.close();
closeCluster(cluster);
process.stdout.write(JSON.stringify({ state: r.release.state, reason: r.release.reason ?? null, plan: r.plan }) + '\\n');
process.exit(0);
`;

beforeAll(async () => {
  rmSync(previousDir, { recursive: true, force: true });
  mkdirSync(previousDir, { recursive: true });
  await execFileP('sh', ['-c', `git archive ${PREVIOUS} lib | tar -x -C '${previousDir}'`], { cwd: root });
  writeFileSync(join(previousDir, 'release-previous.ts'), CHILD);
  drop = await createNamespace(env, ns, [c1]);
  cluster = await connectCluster({ name: 'c1', kubeconfig: env.kubeconfig, context: 'c1' });
});
afterAll(async () => {
  db?.close();
  closeCluster(cluster);
  await drop();
  rmSync(previousDir, { recursive: true, force: true });
});

const k = (args: string[]) => kubectlOn(env, c1, args);
/** The live object as kubectl sees it, managedFields included; null when absent. */
async function get(kind: string, name: string, namespace = ns): Promise<KubeObject | null> {
  const out = await k([
    'get',
    kind,
    name,
    '-n',
    namespace,
    '-o',
    'json',
    '--show-managed-fields',
    '--ignore-not-found',
  ]);
  return out.trim() ? (JSON.parse(out) as KubeObject) : null;
}
const managers = (o: KubeObject | null) =>
  ((o?.metadata.managedFields ?? []) as { manager: string }[]).map((m) => m.manager);

/** Every leaf of an object, by path; list items with a `name` are keyed by it (env vars, containers). */
function leaves(value: unknown, path = '', out = new Map<string, string>()): Map<string, string> {
  if (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((v) => typeof (v as { name?: unknown } | null)?.name === 'string')
  ) {
    for (const v of value as { name: string }[]) leaves(v, `${path}[${v.name}]`, out);
  } else if (value !== null && typeof value === 'object' && Object.keys(value).length > 0) {
    for (const [key, v] of Object.entries(value))
      leaves(v, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`, out);
  } else {
    out.set(path, JSON.stringify(value));
  }
  return out;
}
/** What the server changes on any write, or the controllers own: not values a release could lose. */
const VOLATILE = [
  '.metadata.managedFields',
  '.metadata.resourceVersion',
  '.metadata.generation',
  '.metadata.annotations.deployment.kubernetes.io/revision',
  '.status',
];
/** The leaves of `before` that `after` lost or changed, apart from the volatile ones and those in `dropped`. */
function lostValues(before: KubeObject, after: KubeObject, dropped: readonly string[]): string[] {
  const now = leaves(after);
  return [...leaves(before)]
    .filter(([p, v]) => !VOLATILE.some((x) => p.startsWith(x)) && !dropped.includes(p) && now.get(p) !== v)
    .map(([p, v]) => `${p}: ${v} -> ${now.get(p) ?? '(gone)'}`);
}

const cm = (name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns },
  data,
});
const service = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: ns },
  spec: { selector: { app: name }, ports: [{ port: 80 }] },
});
function deployment(
  name: string,
  { labels, env: vars }: { labels: Record<string, string>; env: Record<string, string> },
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels: { app: name, ...labels } },
    spec: {
      replicas: 2,
      progressDeadlineSeconds: 10,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'registry.invalid/app:1',
              env: Object.entries(vars).map(([n, value]) => ({ name: n, value })),
            },
          ],
        },
      },
    },
  };
}

/** One bundle's versions, by digest, for both engines. */
function bundleOf(prefix: string) {
  const bundle = uniqueName(prefix);
  const versions = new Map<string, VersionContent>();
  const version = (v: string, members: KubeObject[]): VersionContent => {
    const content: VersionContent = {
      bundle,
      version: v,
      digest: `sha256:${`${bundle}${v}`
        .replace(/[^0-9a-f]/g, 'a')
        .padStart(64, 'e')
        .slice(-64)}`,
      members,
    };
    versions.set(content.digest, content);
    return content;
  };
  /** A release by the previous Drover, in its own process. */
  const releasePrevious = async (target: VersionContent) => {
    const versionsPath = join(previousDir, `${bundle}.json`);
    writeFileSync(versionsPath, JSON.stringify([...versions.values()]));
    const { stdout } = await execFileP(
      process.execPath,
      [join(previousDir, 'release-previous.ts'), env.kubeconfig, 'c1', dbPath, versionsPath, target.digest],
      { cwd: root },
    );
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      state: string;
      reason: string | null;
      plan: Record<string, number>;
    };
  };
  const release = (target: VersionContent) =>
    releaseToCluster({
      db,
      cluster,
      target,
      loadVersion: async ({ digest }) => versions.get(digest)!,
      timeoutMs: 60_000,
    });
  return { bundle, version, releasePrevious, release };
}

// Bundle a: its next version drops a data key, a label and an env var of the Deployment, and a whole ConfigMap; adds a ConfigMap.
const a = bundleOf('upa');
const a1 = a.version('1.0.0', [
  cm('a-cfg', { keep: 'k', drop: 'd' }),
  cm('a-gone', { g: '1' }),
  deployment('a-web', { labels: { tier: 'old' }, env: { KEEP: '1', DROP: '1' } }),
  service('a-web'),
]);
const a2 = a.version('1.1.0', [
  cm('a-cfg', { keep: 'k', added: 'n' }),
  cm('a-new', { n: '1' }),
  deployment('a-web', { labels: {}, env: { KEEP: '1' } }),
  service('a-web'),
]);
// Bundle b: its next version only drops a data key; its Deployment and Service are as they were.
const b = bundleOf('upb');
const b1 = b.version('1.0.0', [
  cm('b-cfg', { keep: 'k', drop: 'd' }),
  deployment('b-web', { labels: {}, env: { KEEP: '1' } }),
  service('b-web'),
]);
const b2 = b.version('1.0.1', [
  cm('b-cfg', { keep: 'k' }),
  deployment('b-web', { labels: {}, env: { KEEP: '1' } }),
  service('b-web'),
]);

const members = {
  [a.bundle]: [
    ['configmap', 'a-cfg'],
    ['deployment', 'a-web'],
    ['service', 'a-web'],
  ],
  [b.bundle]: [
    ['configmap', 'b-cfg'],
    ['deployment', 'b-web'],
    ['service', 'b-web'],
  ],
} as const;
const before = new Map<string, KubeObject>();

describe(`an install made by Drover ${PREVIOUS} upgrades`, () => {
  it('the previous Drover installs two bundles under its single field manager, without a ledger', async () => {
    await k(['create', 'configmap', 'hand-made', '-n', ns, '--from-literal=owner=someone-else']);
    expect((await execFileP('git', ['log', '--oneline', '-1', PREVIOUS], { cwd: root })).stdout).toMatch(/^911f4ca /);
    expect(await a.releasePrevious(a1)).toMatchObject({ state: 'succeeded', plan: { create: 4 } });
    expect(await b.releasePrevious(b1)).toMatchObject({ state: 'succeeded', plan: { create: 3 } });

    for (const [bundle, refs] of Object.entries(members)) {
      for (const [kind, name] of refs) {
        const o = await get(kind, name);
        expect(managers(o)).toContain('drover');
        expect(managers(o)).not.toContain(`drover/${bundle}`);
        expect(o!.metadata.annotations?.['drover.dev/owner']).toBe(bundle);
      }
      const inv = await get('configmap', `inventory-${bundle}`, 'drover-system');
      expect(Object.keys(inv!.data as object).sort()).toEqual(['bundle', 'current', 'pending']);
    }

    // Someone else, with kubectl: a data key and an annotation, a label and an env var of its own.
    await k(['patch', 'configmap', 'a-cfg', '-n', ns, '--type=merge', '-p', '{"data":{"theirs":"t"}}']);
    await k(['annotate', 'configmap', 'a-cfg', '-n', ns, 'someone.example/note=theirs']);
    await k(['label', 'deployment', 'a-web', '-n', ns, 'someone.example/team=theirs']);
    await k(['set', 'env', 'deployment/a-web', '-n', ns, 'THEIRS=1']);
    await k(['patch', 'configmap', 'b-cfg', '-n', ns, '--type=merge', '-p', '{"data":{"theirs":"t"}}']);
    for (const refs of Object.values(members))
      for (const [kind, name] of refs) before.set(`${kind}/${name}`, (await get(kind, name))!);
    before.set('configmap/hand-made', (await get('configmap', 'hand-made'))!);
  });

  it('the next release of each bundle by this engine succeeds, moving its objects to the bundle manager', async () => {
    db = openState({ path: dbPath }); // the journal the previous Drover wrote
    for (const [bundle, next, previous] of [
      [a, a2, a1],
      [b, b2, b1],
    ] as const) {
      const r = await bundle.release(next);
      expect(r.release.state, r.release.reason ?? '').toBe('succeeded');
      expect(r.release.fromVersion).toBe(previous.version);
      // The members both versions have; the one being pruned is not moved.
      const kept = members[bundle.bundle]!.length;
      expect(
        releaseSteps(db, r.release.id)
          .map((s) => s.message)
          .join('\n'),
      ).toMatch(
        new RegExp(
          `moved ${kept} object\\(s\\) from field manager drover to drover/${bundle.bundle} \\(no value changed\\)`,
        ),
      );
    }
  });

  it("every object keeps its uid and every value the next version still has, its own and kubectl's", async () => {
    const dropped: Record<string, string[]> = {
      'configmap/a-cfg': ['.data.drop'],
      'deployment/a-web': [
        '.metadata.labels.tier',
        '.spec.template.spec.containers[app].env[DROP].name',
        '.spec.template.spec.containers[app].env[DROP].value',
      ],
      'configmap/b-cfg': ['.data.drop'],
    };
    for (const [key, was] of before) {
      const [kind, name] = key.split('/') as [string, string];
      const now = await get(kind, name);
      expect(now?.metadata.uid, key).toBe(was.metadata.uid);
      expect(lostValues(was, now!, dropped[key] ?? []), key).toEqual([]);
    }
    expect((await get('configmap', 'a-cfg'))!.data).toEqual({ keep: 'k', added: 'n', theirs: 't' });
    expect((await get('configmap', 'b-cfg'))!.data).toEqual({ keep: 'k', theirs: 't' });
    const web = (await get('deployment', 'a-web')) as unknown as {
      metadata: KubeObject['metadata'];
      spec: { template: { spec: { containers: { env: { name: string }[] }[] } } };
    };
    expect(web.spec.template.spec.containers[0]!.env.map((e) => e.name).sort()).toEqual(['KEEP', 'THEIRS']);
    expect(web.metadata.labels).not.toHaveProperty('tier');
    expect(web.metadata.labels).toMatchObject({ 'someone.example/team': 'theirs' });
  });

  it("no member keeps a managedFields entry of the manager drover; each has its bundle's, and kubectl's stay", async () => {
    for (const [bundle, refs] of Object.entries(members)) {
      for (const [kind, name] of [...refs, ...(bundle === a.bundle ? [['configmap', 'a-new'] as const] : [])]) {
        const m = managers(await get(kind, name));
        expect(m, `${kind}/${name}`).not.toContain('drover');
        expect(m, `${kind}/${name}`).toContain(`drover/${bundle}`);
      }
    }
    expect(managers(await get('configmap', 'a-cfg'))).toEqual(
      expect.arrayContaining(['kubectl-patch', 'kubectl-annotate']),
    );
    expect(managers(await get('deployment', 'a-web'))).toEqual(
      expect.arrayContaining(['kubectl-label', 'kubectl-set']),
    );
  });

  it('the member the next version drops is pruned; the hand-made object is untouched', async () => {
    expect(await get('configmap', 'a-gone')).toBeNull();
    const hand = (await get('configmap', 'hand-made'))!;
    expect(hand.metadata.resourceVersion).toBe(before.get('configmap/hand-made')!.metadata.resourceVersion);
    expect(hand.data).toEqual({ owner: 'someone-else' });
  });

  it('the inventory has a ledger: re-applied old members stay "origin unknown", a new member is created', async () => {
    for (const [bundle, next] of [
      [a, a2],
      [b, b2],
    ] as const) {
      const raw = (await get('configmap', `inventory-${bundle.bundle}`, 'drover-system'))!.data as Record<
        string,
        string
      >;
      const entries = JSON.parse(raw.entries!) as { kind: string; name: string; origin: string; unknown?: boolean }[];
      const inv = await readInventory(cluster, bundle.bundle);
      expect(inv.current?.version).toBe(next.version);
      expect(inv.pending).toBeNull();
      const byName = Object.fromEntries(
        entries.map((e) => [`${e.kind}/${e.name}`, { origin: e.origin, unknown: e.unknown ?? false }]),
      );
      const expected = Object.fromEntries(
        next.members.map((m) => [
          `${m.kind}/${m.metadata.name}`,
          { origin: 'created', unknown: m.metadata.name !== 'a-new' },
        ]),
      );
      expect(byName).toEqual(expected);
    }
  });

  it('the next release of the same version writes nothing: the move is done once', async () => {
    const r = await a.release(a2);
    expect(r.release.state).toBe('succeeded');
    expect(r.written).toBe(0);
    expect(
      releaseSteps(db, r.release.id)
        .map((s) => s.message)
        .join('\n'),
    ).not.toMatch(/moved .* from field manager drover/);
  });
});

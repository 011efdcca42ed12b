// Ownership against a real control plane, with real kubectl acting as
// "someone else": a release never overwrites or deletes what Drover did not
// create. A hand-made object named by a bundle refuses the release before any
// write; adopted, it gets its prior state back when the adopting release is
// rolled back, and is released (never deleted) when a later version drops
// it. recreateOnImmutableChange recreates only what Drover created. Two
// bundles share an object, each with its own field manager; it is deleted
// only when the last one lets it go. A missing namespace is refused or
// created on request; Drover's own namespace is refused. Every deleting path
// (prune, rollback, recreate, retire, heal) is shown leaving foreign, adopted
// and still-claimed objects in place.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import type { StoredPolicy } from '../bundle/policy.ts';
import { type Cluster, closeCluster, connectCluster } from '../cluster/cluster.ts';
import { healBundle } from '../monitor/heal.ts';
import type { KubeObject } from '../object/ref.ts';
import { listKubeEvents } from '../state/events.ts';
import { openState, type StateDb } from '../state/open.ts';
import { releaseSteps } from '../state/releases.ts';
import { readInventory } from './inventory.ts';
import { releaseToCluster } from './release.ts';
import type { VersionContent } from '../bundle/version-content.ts';
import { retireFromCluster } from './retire.ts';

const env = testEnv();
const c1 = env.clusters[0]!;
const ns = uniqueName('own');
let cluster: Cluster;
let db: StateDb;
let drop: () => Promise<void>;

beforeAll(async () => {
  drop = await createNamespace(env, ns, [c1]);
  cluster = await connectCluster({ name: 'c1', kubeconfig: env.kubeconfig, context: 'c1' });
  db = openState({ path: ':memory:' });
});
afterAll(async () => {
  closeCluster(cluster);
  await drop();
});

const k = (args: string[]) => kubectlOn(env, c1, args);
/** The live object as kubectl sees it, managedFields included; null when absent. */
async function get(kind: string, name: string, namespace: string | null = ns): Promise<KubeObject | null> {
  const out = await k([
    'get',
    kind,
    name,
    ...(namespace ? ['-n', namespace] : []),
    '-o',
    'json',
    '--show-managed-fields',
    '--ignore-not-found',
  ]);
  return out.trim() ? (JSON.parse(out) as KubeObject) : null;
}
const managers = (o: KubeObject | null) =>
  ((o?.metadata.managedFields ?? []) as { manager: string }[]).map((m) => m.manager);
const droverMarks = (o: KubeObject | null) =>
  [...Object.keys(o?.metadata.labels ?? {}), ...Object.keys(o?.metadata.annotations ?? {})].filter((key) =>
    key.startsWith('drover.dev/'),
  );

const cm = (name: string, data: Record<string, string>, namespace = ns): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace },
  data,
});
function deployment(
  name: string,
  { failing = false, configMap }: { failing?: boolean; configMap?: string } = {},
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas: 1,
      progressDeadlineSeconds: 8,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: {
          labels: { app: name, ...(failing ? { 'pod-container-running-failed.stage.kwok.x-k8s.io': 'true' } : {}) },
        },
        spec: {
          containers: [
            {
              name,
              image: 'registry.invalid/app:1',
              ...(configMap ? { envFrom: [{ configMapRef: { name: configMap } }] } : {}),
            },
          ],
        },
      },
    },
  };
}

/** A bundle of its own: versions by digest, and a release of one to c1. */
function bundleOf(prefix: string) {
  const bundle = uniqueName(prefix);
  const versions = new Map<string, VersionContent>();
  let n = 0;
  const version = (members: KubeObject[], policy?: StoredPolicy): VersionContent => {
    n++;
    const content: VersionContent = {
      bundle,
      version: `1.0.${n}`,
      digest: `sha256:${`${bundle}${n}`
        .replace(/[^0-9a-f]/g, 'a')
        .padStart(64, 'e')
        .slice(-64)}`,
      members,
      ...(policy ? { policy } : {}),
    };
    versions.set(content.digest, content);
    return content;
  };
  const loadVersion = async ({ digest }: { digest: string }) => versions.get(digest)!;
  const release = (target: VersionContent, more: { createNamespace?: boolean } = {}) =>
    releaseToCluster({ db, cluster, target, loadVersion, timeoutMs: 60_000, ...more });
  const retire = () =>
    retireFromCluster({ db, cluster, bundle, loadPolicy: async ({ digest }) => versions.get(digest)?.policy });
  return { bundle, version, release, retire, loadVersion };
}

describe('a hand-made ConfigMap named by a new bundle whose first release fails health', () => {
  it('without spec.adopt: refused before any write, every live object as it was', async () => {
    await k(['create', 'configmap', 'legacy', '-n', ns, '--from-literal=mode=hand']);
    const before = await get('configmap', 'legacy');
    const b = bundleOf('web');
    const r = await b.release(
      b.version([cm('legacy', { mode: 'drover' }), deployment('web-a', { failing: true, configMap: 'legacy' })]),
    );
    expect(r.release.state).toBe('rolled-back');
    expect(r.release.reason).toBe('ForeignObject');
    const failed = releaseSteps(db, r.release.id).find((s) => s.state === 'failed')!;
    expect(failed.message).toContain(
      `ConfigMap/${ns}/legacy exists and is not owned by bundle ${b.bundle}; adopt it with spec.adopt`,
    );
    expect(failed.data).toMatchObject({
      refused: true,
      objects: [{ ref: `ConfigMap/${ns}/legacy`, adopt: { kind: 'ConfigMap', namespace: ns, name: 'legacy' } }],
    });
    const after = await get('configmap', 'legacy');
    expect(after!.metadata.resourceVersion).toBe(before!.metadata.resourceVersion);
    expect(await get('deployment', 'web-a')).toBeNull();
    expect((await readInventory(cluster, b.bundle)).exists).toBe(false);
    expect(r.written).toBe(0);
    // An event on the bundle's timeline, with its reason.
    expect(listKubeEvents(db, { bundle: b.bundle })).toMatchObject([
      { source: 'drover', type: 'Warning', reason: 'ForeignObject', object: `ConfigMap/${ns}/legacy` },
    ]);
  });

  it('with spec.adopt: the rollback leaves it with its original data, uid and field managers', async () => {
    const before = await get('configmap', 'legacy');
    const b = bundleOf('web');
    const r = await b.release(
      b.version(
        [cm('legacy', { mode: 'drover', extra: 'x' }), deployment('web-b', { failing: true, configMap: 'legacy' })],
        { adopt: [{ kind: 'ConfigMap', name: 'legacy' }] },
      ),
    );
    expect(r.release.state).toBe('rolled-back');
    expect(r.release.failedObject).toBe(`Deployment/${ns}/web-b`);
    const after = await get('configmap', 'legacy');
    expect(after!.metadata.uid).toBe(before!.metadata.uid);
    expect(after!.data).toEqual({ mode: 'hand' });
    expect(droverMarks(after)).toEqual([]);
    expect(managers(after)).toEqual(managers(before));
    expect(await get('deployment', 'web-b')).toBeNull();
    const last = releaseSteps(db, r.release.id).at(-1)!;
    expect(last.state).toBe('rolled-back');
    expect((last.data as { restored: string[] }).restored).toEqual([`ConfigMap/${ns}/legacy`]);
  });
});

describe('an adopted object dropped by the next version', () => {
  it('keeps its uid and data, without Drover labels, annotations or field manager; the prior state is not left behind', async () => {
    await k(['create', 'secret', 'generic', 'creds', '-n', ns, '--from-literal=password=hunter2']);
    const before = await get('secret', 'creds');
    const b = bundleOf('api');
    const secret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace: ns },
      type: 'Opaque',
      data: { password: Buffer.from('s3cret').toString('base64') },
    };
    const r1 = await b.release(
      b.version([secret, cm('api-cfg', { a: '1' })], { adopt: [{ kind: 'Secret', name: 'creds' }] }),
    );
    expect(r1.release.state).toBe('succeeded');
    const inv = await readInventory(cluster, b.bundle);
    expect(inv.entries.find((e) => e.name === 'creds')).toMatchObject({ origin: 'adopted', prior: { kind: 'Secret' } });
    expect(inv.entries.find((e) => e.name === 'api-cfg')).toMatchObject({ origin: 'created' });
    // The adopted Secret's prior values are kept in a Secret in drover-system, never in a ConfigMap or the inventory.
    const prior = inv.entries.find((e) => e.name === 'creds')!.prior!;
    expect(await get('secret', prior.name, 'drover-system')).not.toBeNull();
    expect(JSON.stringify(await get('configmap', `inventory-${b.bundle}`, 'drover-system'))).not.toContain(
      Buffer.from('hunter2').toString('base64'),
    );

    const r2 = await b.release(b.version([cm('api-cfg', { a: '1' })]));
    expect(r2.release.state).toBe('succeeded');
    expect(r2.changes.find((c) => c.ref === `Secret/${ns}/creds`)).toMatchObject({
      action: 'released',
      origin: 'adopted',
    });
    const after = await get('secret', 'creds');
    expect(after!.metadata.uid).toBe(before!.metadata.uid);
    expect(after!.data).toEqual(secret.data);
    expect(droverMarks(after)).toEqual([]);
    expect(managers(after)).not.toContain(`drover/${b.bundle}`);
    expect(await get('secret', prior.name, 'drover-system')).toBeNull();
    expect((await readInventory(cluster, b.bundle)).entries.map((e) => e.name)).toEqual(['api-cfg']);
  });
});

describe('recreateOnImmutableChange', () => {
  const service = (name: string, clusterIP: string | null): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { ...(clusterIP ? { clusterIP } : {}), selector: { app: name }, ports: [{ port: 80 }] },
  });
  /** Another address in the cluster's service range, as the `kubernetes` Service shows it. */
  async function otherClusterIP(taken: string): Promise<string> {
    const prefix = (await k(['get', 'service', 'kubernetes', '-n', 'default', '-o', 'jsonpath={.spec.clusterIP}']))
      .trim()
      .split('.')
      .slice(0, 2)
      .join('.');
    const ip = `${prefix}.${200 + Math.floor(Math.random() * 50)}.${10 + Math.floor(Math.random() * 200)}`;
    return ip === taken ? otherClusterIP(taken) : ip;
  }

  it('on a Service someone else made: refused, and adopted it is still never recreated; on one Drover created: recreated', async () => {
    await k(['create', 'service', 'clusterip', 'theirs', '-n', ns, '--tcp=80:80']);
    const theirs = await get('service', 'theirs');
    const b = bundleOf('svc');
    const policy = { recreateOnImmutableChange: true };
    const refused = await b.release(
      b.version(
        [service('theirs', await otherClusterIP(String((theirs!.spec as { clusterIP: string }).clusterIP)))],
        policy,
      ),
    );
    expect(refused.release.reason).toBe('ForeignObject');

    const adopted = await b.release(
      b.version([service('theirs', await otherClusterIP(String((theirs!.spec as { clusterIP: string }).clusterIP)))], {
        ...policy,
        adopt: [{ kind: 'Service', name: 'theirs' }],
      }),
    );
    expect(adopted.release.state).toBe('rolled-back');
    expect(adopted.release.reason).toBe('ImmutableFieldChanged');
    expect(releaseSteps(db, adopted.release.id).find((s) => s.state === 'failed')!.message).toContain(
      'Drover recreates only objects it created, and this one is adopted',
    );
    expect((await get('service', 'theirs'))!.metadata.uid).toBe(theirs!.metadata.uid);

    const c = bundleOf('svc');
    expect((await c.release(c.version([service('ours', null)], policy))).release.state).toBe('succeeded');
    const ours = await get('service', 'ours');
    const moved = await c.release(
      c.version(
        [service('ours', await otherClusterIP(String((ours!.spec as { clusterIP: string }).clusterIP)))],
        policy,
      ),
    );
    expect(moved.release.state).toBe('succeeded');
    expect((await get('service', 'ours'))!.metadata.uid).not.toBe(ours!.metadata.uid);
  });
});

describe('two bundles sharing a ConfigMap', () => {
  it("each applies with its own field manager; one drops it: it stays with the other bundle's fields; the second drops it: deleted", async () => {
    const a = bundleOf('sa');
    const b = bundleOf('sb');
    const shared = { shared: [{ kind: 'ConfigMap', name: 'common' }] };
    const ra = await a.release(a.version([cm('common', { a: '1', both: 'same' }), cm('a-own', { x: '1' })], shared));
    expect(ra.release.state).toBe('succeeded');
    // Without spec.shared the second bundle is refused: the object is held by the first.
    const refused = await b.release(b.version([cm('common', { b: '2', both: 'same' })]));
    expect(refused.release.reason).toBe('ForeignObject');
    expect(releaseSteps(db, refused.release.id).find((s) => s.state === 'failed')!.message).toContain(
      `is held by bundle ${a.bundle}`,
    );
    const rb = await b.release(b.version([cm('common', { b: '2', both: 'same' })], shared));
    expect(rb.release.state).toBe('succeeded');
    const common = await get('configmap', 'common');
    expect(common!.data).toEqual({ a: '1', b: '2', both: 'same' });
    expect(managers(common)).toEqual(expect.arrayContaining([`drover/${a.bundle}`, `drover/${b.bundle}`]));
    expect(common!.metadata.labels).toMatchObject({
      [`drover.dev/bundle.${a.bundle}`]: 'true',
      [`drover.dev/bundle.${b.bundle}`]: 'true',
    });
    const uid = common!.metadata.uid;

    const da = await a.release(a.version([cm('a-own', { x: '1' })], shared));
    expect(da.release.state).toBe('succeeded');
    const left = await get('configmap', 'common');
    expect(left!.metadata.uid).toBe(uid);
    expect(left!.data).toEqual({ b: '2', both: 'same' });
    expect(Object.keys(left!.metadata.labels ?? {})).not.toContain(`drover.dev/bundle.${a.bundle}`);
    expect(managers(left)).not.toContain(`drover/${a.bundle}`);

    const db2 = await b.release(b.version([cm('b-own', { y: '1' })], shared));
    expect(db2.release.state).toBe('succeeded');
    expect(await get('configmap', 'common')).toBeNull();
  });
});

describe('namespaces', () => {
  it('a member whose namespace does not exist is refused by the plan, naming it, or created when asked (and recorded, never pruned)', async () => {
    const missing = uniqueName('gone');
    const b = bundleOf('nsq');
    const v = b.version([cm('in-missing', { a: '1' }, missing)]);
    const r = await b.release(v);
    expect(r.release.reason).toBe('NamespaceMissing');
    expect(releaseSteps(db, r.release.id).find((s) => s.state === 'failed')!.message).toContain(
      `namespace ${missing} does not exist (needed by ConfigMap/${missing}/in-missing)`,
    );
    expect(await get('namespace', missing, null)).toBeNull();

    const created = await b.release(v, { createNamespace: true });
    try {
      expect(created.release.state).toBe('succeeded');
      expect(await get('namespace', missing, null)).not.toBeNull();
      expect((await readInventory(cluster, b.bundle)).entries.find((e) => e.kind === 'Namespace')).toMatchObject({
        name: missing,
        origin: 'created',
        implicit: true,
      });
      // Someone else's object in it; the bundle then retires: its ConfigMap goes, the namespace (and what is not Drover's) stays.
      await k(['create', 'configmap', 'not-drovers', '-n', missing, '--from-literal=a=1']);
      const out = await b.retire();
      expect(out.state).toBe('retired');
      expect(out.keep.map((x) => x.ref)).toEqual([`Namespace/${missing}`]);
      expect(await get('configmap', 'in-missing', missing)).toBeNull();
      expect(await get('configmap', 'not-drovers', missing)).not.toBeNull();
    } finally {
      await k(['delete', 'namespace', missing, '--wait=false', '--ignore-not-found']);
    }
  });

  it('a member in drover-system is refused by the plan', async () => {
    const b = bundleOf('sys');
    const r = await b.release(
      b.version([
        cm('sneaky', { a: '1' }, 'drover-system'),
        cm(`inventory-other`, { current: 'null' }, 'drover-system'),
      ]),
    );
    expect(r.release.reason).toBe('ReservedNamespace');
    const message = releaseSteps(db, r.release.id).find((s) => s.state === 'failed')!.message;
    expect(message).toContain('ConfigMap/drover-system/sneaky is in drover-system');
    expect(message).toContain("ConfigMap/drover-system/inventory-other is one of Drover's own records");
    expect(await get('configmap', 'sneaky', 'drover-system')).toBeNull();
  });
});

describe('every deleting path leaves foreign, adopted and still-claimed objects', () => {
  it('prune, rollback, retire and heal delete only what the bundle created and nobody else claims', async () => {
    await k(['create', 'configmap', 'bystander', '-n', ns, '--from-literal=who=them']);
    await k(['create', 'configmap', 'taken', '-n', ns, '--from-literal=who=them']);
    const bystander = (await get('configmap', 'bystander'))!;
    const taken = (await get('configmap', 'taken'))!;
    const other = bundleOf('oth');
    const main = bundleOf('del');
    const sharing = { shared: [{ kind: 'ConfigMap', name: 'claimed' }] };
    expect((await other.release(other.version([cm('claimed', { o: '1' })], sharing))).release.state).toBe('succeeded');
    const claimed = (await get('configmap', 'claimed'))!;
    const policy = { ...sharing, adopt: [{ kind: 'ConfigMap', name: 'taken' }] };
    const members = [cm('taken', { who: 'drover' }), cm('claimed', { m: '1' }), cm('mine', { m: '1' })];
    expect((await main.release(main.version(members, policy))).release.state).toBe('succeeded');

    // Heal: drift on the adopted and the claimed object is put back; nothing is deleted or recreated.
    await k(['patch', 'configmap', 'taken', '-n', ns, '--type=merge', '-p', '{"data":{"who":"drifted"}}']);
    const runs = (await readInventory(cluster, main.bundle)).current!;
    const heal = await healBundle({
      db,
      cluster,
      bundle: main.bundle,
      version: runs,
      loadVersion: main.loadVersion,
      refs: [`ConfigMap/${ns}/taken`],
    });
    expect(heal.outcome).toBe('healed');
    expect((await get('configmap', 'taken'))!.data).toEqual({ who: 'drover' });

    // Rollback: a failing version that drops all three is undone; none of them was deleted.
    const failing = await main.release(main.version([deployment('del-fail', { failing: true })], policy));
    expect(failing.release.state).toBe('rolled-back');
    // Prune: a version without them lets them go: only the bundle's own ConfigMap is deleted.
    const pruned = await main.release(main.version([cm('other-mine', { m: '2' })], policy));
    expect(pruned.release.state).toBe('succeeded');
    expect(await get('configmap', 'mine')).toBeNull();
    expect(pruned.changes.filter((c) => c.action === 'deleted').map((c) => c.ref)).toEqual([`ConfigMap/${ns}/mine`]);
    // Retire: the rest of the bundle goes; nothing of anyone else's.
    expect((await main.retire()).state).toBe('retired');
    expect(await get('configmap', 'other-mine')).toBeNull();

    for (const [name, uid] of [
      ['bystander', bystander.metadata.uid],
      ['taken', taken.metadata.uid],
      ['claimed', claimed.metadata.uid],
    ] as const) {
      const o = await get('configmap', name);
      expect(o, name).not.toBeNull();
      expect(o!.metadata.uid, name).toBe(uid);
      expect(managers(o), name).not.toContain(`drover/${main.bundle}`);
    }
    expect((await get('configmap', 'claimed'))!.data).toEqual({ o: '1' });
    expect((await get('configmap', 'taken'))!.data).toEqual({ who: 'drover' });
  });
});

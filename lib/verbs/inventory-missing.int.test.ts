// A missing inventory is never "nothing owned" (issue #24, item 5), through
// the real CLI, Git server, registry and a real cluster, with real kubectl
// as "someone else". web@1.0.0 (ConfigMap, Deployment, Service) runs
// healthy on c1; then `kubectl delete configmap inventory-<web> -n
// drover-system`. After that:
// - a release of a failing 1.0.1 (crash-looping pods, a short progress
//   deadline, one more ConfigMap) is refused before any write, naming
//   web@1.0.0 as what runs there; asked again, it is refused again;
// - `drover retire` refuses the same way;
// - `drover state rebuild --inventory web --cluster c1` writes the
//   inventory back: current 1.0.0, each member `created` (the journal shows
//   the first release created them);
// - a good 1.0.2 then releases healthy.
// Every member keeps its uid throughout, and keeps its resourceVersion
// until 1.0.2 changes it: nothing is deleted at any point.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { writeTestConfig } from '../../fixtures/testenv/config.ts';
import { droverCli } from '../../fixtures/testenv/drover-cli.ts';
import { createRepo, git } from '../../fixtures/testenv/git-server.ts';
import { appDeployment } from '../../fixtures/testenv/manifests.ts';
import { createNamespace, kubectlOn, objectSnapshot, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';

const env = testEnv();
const c1 = env.clusters[0]!;
const scratch = mkdtempSync(join(tmpdir(), 'drover-inventory-missing-'));
const ns = uniqueName('invmiss');
const prefix = uniqueName('invmiss');
// Bundle names are cluster-wide (the inventory is drover-system/inventory-<bundle>): unique per run.
const web = uniqueName('web');
const inventoryRef = `ConfigMap/drover-system/inventory-${web}`;
const members = [`ConfigMap/${ns}/web-config`, `Deployment/${ns}/web`, `Service/${ns}/web`];
let work: string;
let drop: () => Promise<void>;
let drover: ReturnType<typeof droverCli>;

function writeApp(dir: string, { level, failing = false }: { level: string; failing?: boolean }): void {
  mkdirSync(join(dir, 'apps'), { recursive: true });
  const deployment = appDeployment({ name: 'web', namespace: ns, configMap: 'web-config', failing });
  const docs = [
    {
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Bundle',
      metadata: { name: web },
      spec: { roots: [{ kind: 'Deployment', namespace: ns, name: 'web' }] },
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace: ns }, data: { LEVEL: level } },
    ...(failing
      ? [
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'web-extra', namespace: ns },
            data: { EXTRA: 'yes' },
          },
        ]
      : []),
    failing ? { ...deployment, spec: { ...deployment.spec, progressDeadlineSeconds: 10 } } : deployment,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: ns },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
    },
  ];
  writeFileSync(join(dir, 'apps', 'web.yaml'), docs.map((d) => stringify(d)).join('---\n'));
}

async function commit(message: string, spec: { level: string; failing?: boolean }): Promise<void> {
  writeApp(work, spec);
  await git(work, ['add', '-A']);
  await git(work, ['commit', '--quiet', '-m', message]);
  await git(work, ['push', '--quiet', 'origin', 'HEAD:main']);
}

const k = (args: string[]) => kubectlOn(env, c1, args);
/** `Kind/ns/name` -> `uid resourceVersion` of every member ('' when absent). */
const snapshot = () => objectSnapshot(env, c1, [...members, `ConfigMap/${ns}/web-extra`]);
const uids = (s: Record<string, string>) =>
  Object.fromEntries(Object.entries(s).map(([ref, v]) => [ref, v.split(' ')[0] ?? '']));
const inventoryExists = async () =>
  (
    await k(['get', 'configmap', `inventory-${web}`, '-n', 'drover-system', '--ignore-not-found', '-o', 'name'])
  ).trim() !== '';
async function inventory(): Promise<{
  current: { version: string } | null;
  pending: unknown;
  entries: { kind: string; namespace: string; name: string; origin: string; priorUnknown?: boolean }[];
}> {
  const cm = JSON.parse(await k(['get', 'configmap', `inventory-${web}`, '-n', 'drover-system', '-o', 'json'])) as {
    data: Record<string, string>;
  };
  return {
    current: JSON.parse(cm.data.current!),
    pending: JSON.parse(cm.data.pending!),
    entries: JSON.parse(cm.data.entries!),
  };
}

/** The refusal of a release (or retire) on c1 for the missing inventory, naming 1.0.0 as what runs there. */
function expectInventoryMissing(message: string): void {
  expect(message).toContain(`inventory of ${web} on c1 is missing; the journal says ${web}@1.0.0 runs there`);
  expect(message).toContain(`drover state rebuild --inventory ${web} --cluster c1`);
}

let before: Record<string, string>;

beforeAll(async () => {
  drop = await createNamespace(env, ns, [c1]);
  const seed = join(scratch, 'seed');
  writeApp(seed, { level: 'one' });
  const url = await createRepo(env.git, { name: uniqueName('invmiss'), fixtureDir: seed });
  work = join(scratch, 'work');
  await git(scratch, ['clone', '--quiet', url, work]);
  const ws = join(scratch, 'ws');
  mkdirSync(ws);
  writeTestConfig(env, ws, {
    clusters: [c1],
    // Never polled: the test cuts with the CLI.
    sources: [{ name: 'apps', url, schedule: '0 0 1 1 *' }],
    registry: `oci://${env.registry.host}/${prefix}`,
    environments: [{ name: 'dev', clusters: ['c1'], timeoutSeconds: 60 }],
  });
  drover = droverCli(ws);
  expect((await drover(['cut'])).code).toBe(0);
  const d = await drover(['deploy', `${web}@1.0.0`, '--env', 'dev']);
  expect(d.code, d.stdout + d.stderr).toBe(0);
  expect((await k(['get', 'deployment', 'web', '-n', ns, '-o', 'jsonpath={.status.availableReplicas}'])).trim()).toBe(
    '1',
  );
  expect((await inventory()).current?.version).toBe('1.0.0');

  // Someone else deletes the inventory.
  await k(['delete', 'configmap', `inventory-${web}`, '-n', 'drover-system']);
  expect(await inventoryExists()).toBe(false);
  await commit('fix: web crash-loops', { level: 'two', failing: true });
  expect((await drover(['cut'])).json.cut.map((c: { version: string }) => c.version)).toEqual(['1.0.1']);
  before = await snapshot();
  for (const ref of members) expect(before[ref], ref).toMatch(/^\S+ \d+$/);
  expect(before[`ConfigMap/${ns}/web-extra`]).toBe('');
}, 240_000);

afterAll(async () => {
  await drop?.();
  rmSync(scratch, { recursive: true, force: true });
});

describe('the inventory ConfigMap deleted with kubectl while web@1.0.0 runs on c1', () => {
  it('a release of a failing version is refused before any write, naming the running version, and again when retried', async () => {
    const r = await drover(['deploy', `${web}@1.0.1`, '--env', 'dev']);
    // Refused before any write: the rollout's outcome, a conflict (exit 5), not a failed release.
    expect(r.code, r.stdout + r.stderr).toBe(5);
    expect(r.json.outcome).toBe('refused');
    expect(r.json.clusters).toEqual([
      expect.objectContaining({
        cluster: 'c1',
        state: 'rolled-back',
        reason: 'InventoryMissing',
        failedObject: inventoryRef,
      }),
    ]);
    // Nothing was written: every member as it was, the new ConfigMap never created, no inventory made up.
    expect(await snapshot()).toEqual(before);
    expect(await inventoryExists()).toBe(false);
    // Asked again (and read by a person this time): refused again, the message on the terminal.
    const again = await drover(['deploy', `${web}@1.0.1`, '--env', 'dev'], { json: false });
    expect(again.code, again.stdout + again.stderr).toBe(5);
    expectInventoryMissing(again.stderr);
    expect(again.stdout).toMatch(
      /^c1\s+1\s+refused\s+ConfigMap\/drover-system\/inventory-\S+\s+InventoryMissing: inventory of \S+ on c1 is missing; the journal says \S+@1\.0\.0 runs there/m,
    );
    expect(await snapshot()).toEqual(before);
    expect(await inventoryExists()).toBe(false);
    // The journal says why, and that c1 still runs 1.0.0.
    const history = await drover(['history', web]);
    const refused = (
      history.json as { version: string; state: string; reason: string; steps: { state: string; message: string }[] }[]
    ).filter((h) => h.version === '1.0.1');
    expect(refused).toHaveLength(2);
    for (const h of refused) {
      expect(h).toMatchObject({ state: 'rolled-back', reason: 'InventoryMissing' });
      expectInventoryMissing(h.steps.find((s) => s.state === 'failed')?.message ?? '');
      expect(h.steps.map((s) => s.message)).toContain(`nothing was applied; c1 still runs ${web}@1.0.0`);
    }
    // The failed deploy put dev's tag back on what runs; status names the refusal.
    const status = await drover(['status']);
    expect(status.json.find((s: { bundle: string }) => s.bundle === web)).toMatchObject({
      running: '1.0.0',
      healthMessage: expect.stringContaining(
        `the inventory of ${web} on c1 is missing (the journal says 1.0.0 runs there); run drover state rebuild`,
      ),
      tag: { name: 'dev', version: '1.0.0' },
      last: { version: '1.0.1', state: 'rolled-back', reason: 'InventoryMissing' },
    });
  }, 120_000);

  it('retire refuses too, and deletes nothing', async () => {
    // Without --yes: the plan it would ask about already refuses.
    const asked = await drover(['retire', web, '--env', 'dev', '--force']);
    expect(asked.code, asked.stdout + asked.stderr).toBe(7);
    expectInventoryMissing(asked.json.error.message);
    const r = await drover(['retire', web, '--env', 'dev', '--force', '--yes']);
    expect(r.code, r.stdout + r.stderr).toBe(7);
    expect(r.json.clusters).toEqual([
      expect.objectContaining({
        cluster: 'c1',
        state: 'failed',
        delete: [],
        running: expect.objectContaining({ version: '1.0.0' }),
      }),
    ]);
    expectInventoryMissing(r.json.clusters[0].message);
    expect(await snapshot()).toEqual(before);
    expect(await inventoryExists()).toBe(false);
  });

  it('`drover state rebuild --inventory` writes it back from the journal and the labelled live objects; a good release then succeeds', async () => {
    const r = await drover(['state', 'rebuild', '--inventory', web, '--cluster', 'c1']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json).toMatchObject({ bundle: web, cluster: 'c1', version: '1.0.0', missing: [] });
    expect(r.json.entries.map((e: { ref: string; origin: string }) => `${e.origin} ${e.ref}`).sort()).toEqual(
      members.map((m) => `created ${m}`),
    );
    const inv = await inventory();
    expect(inv.current?.version).toBe('1.0.0');
    expect(inv.pending).toBeNull();
    expect(
      inv.entries.map((e) => `${e.origin}${e.priorUnknown ? '?' : ''} ${e.kind}/${e.namespace}/${e.name}`).sort(),
    ).toEqual(members.map((m) => `created ${m}`));
    expect(await snapshot()).toEqual(before);
    // A second rebuild has nothing to do.
    const again = await drover(['state', 'rebuild', '--inventory', web, '--cluster', 'c1']);
    expect(again.code).toBe(5);
    expect(again.json.error.data.reason).toBe('InventoryExists');

    await commit('fix: web logs at level three', { level: 'three' });
    expect((await drover(['cut'])).json.cut.map((c: { version: string }) => c.version)).toEqual(['1.0.2']);
    const d = await drover(['deploy', `${web}@1.0.2`, '--env', 'dev']);
    expect(d.code, d.stdout + d.stderr).toBe(0);
    expect(d.json.clusters).toEqual([expect.objectContaining({ cluster: 'c1', state: 'succeeded' })]);
    expect((await k(['get', 'configmap', 'web-config', '-n', ns, '-o', 'jsonpath={.data.LEVEL}'])).trim()).toBe(
      'three',
    );
    expect((await inventory()).current?.version).toBe('1.0.2');
    // Every member is the object it was before the inventory was deleted.
    expect(uids(await snapshot())).toEqual(uids(before));
  }, 120_000);
});

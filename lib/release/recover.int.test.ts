// Crash safety: the engine is killed with SIGKILL after k of n objects of a
// release (several k); on restart, recovery leaves the cluster on one whole
// version (the previous one) and no lease or unfinished release behind.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { type Cluster, closeCluster, connectCluster } from '../cluster/cluster.ts';
import { listObjects } from '../cluster/get.ts';
import { activeLeases } from '../state/leases.ts';
import { openState } from '../state/open.ts';
import { unfinishedReleases } from '../state/releases.ts';
import { readInventory } from './inventory.ts';
import { recoverReleases } from './recover.ts';
import { releaseToCluster } from './release.ts';
import { crashVersion } from './testdata/crash-bundle.ts';

const env = testEnv();
const ns = uniqueName('crash');
const dir = mkdtempSync(join(tmpdir(), 'drover-crash-'));
const COUNT = 12;
let cluster: Cluster;
let drop: () => Promise<void>;

beforeAll(async () => {
  drop = await createNamespace(env, ns, [env.clusters[0]!]);
  cluster = await connectCluster({ name: 'c1', kubeconfig: env.kubeconfig, context: 'c1' });
});
afterAll(async () => {
  closeCluster(cluster);
  await drop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the child release and SIGKILLs it after `k` applied objects. Resolves with how many it saw. */
function releaseAndKill(args: string[], k: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'testdata', 'release-child.ts'), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let applied = 0;
    createInterface({ input: child.stdout }).on('line', (line) => {
      const e = JSON.parse(line) as { phase: string };
      if (e.phase === 'apply' && ++applied === k) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      signal === 'SIGKILL' ? resolve(applied) : reject(new Error(`child ended before ${k} objects (code ${code})`)),
    );
  });
}

describe('crash recovery', () => {
  it.each([1, 5, 11])('SIGKILL after %i of 13 objects, then restart: one whole version, no lock left', async (k) => {
    const bundle = uniqueName('crash');
    const dbPath = join(dir, `${bundle}.db`);
    const make = (v: string) => crashVersion({ bundle, namespace: ns, version: v, count: COUNT });
    const db = openState({ path: dbPath });
    const base = await releaseToCluster({
      db,
      cluster,
      target: make('1.0.0'),
      loadVersion: async ({ version }) => make(version),
    });
    expect(base.release.state).toBe('succeeded');

    expect(await releaseAndKill([env.kubeconfig, 'c1', dbPath, bundle, ns, '1.1.0', String(COUNT)], k)).toBe(k);
    expect(unfinishedReleases(db)).toHaveLength(1);

    const recovered = await recoverReleases({
      db,
      clusters: new Map([['c1', cluster]]),
      loadVersion: async ({ version }) => make(version),
    });
    expect(recovered.map((r) => r.outcome)).toEqual(['rolled-back']);
    expect(unfinishedReleases(db)).toEqual([]);
    expect(activeLeases(db)).toEqual([]);

    const inv = await readInventory(cluster, bundle);
    expect(inv.current?.version).toBe('1.0.0');
    expect(inv.pending).toBeNull();
    const live = await listObjects(cluster, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: ns,
      labelSelector: `drover.dev/bundle=${bundle}`,
    });
    expect(live.items.map((o) => o.metadata.name).sort()).toEqual(
      make('1.0.0')
        .members.map((m) => m.metadata.name)
        .sort(),
    );
    expect(new Set(live.items.map((o) => (o.data as { version: string }).version))).toEqual(new Set(['1.0.0']));
    db.close();
  });
});

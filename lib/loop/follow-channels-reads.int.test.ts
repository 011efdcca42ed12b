// How the loop reads channel tags (follow-channels.ts `tagReader`), against
// the real registry (through a counting proxy) and real clusters (dev: c1,
// prod: c2, manual):
// - a pass over a bundle at rest makes one request, a listing of its tags,
//   when the channel watch read its tags this round; with no watch read, only
//   the tags the listing names are read (dev), never those it lacks (prod);
// - a watch read from before Drover's own move of the tag is not taken for
//   what the tag names: the tag is read again and nothing is followed back;
// - a tag set by hand where the bundle never ran is found by the listing and
//   followed;
// - a registry whose listing comes back empty: every tag is read with a HEAD.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { writeTestConfig } from '../../fixtures/testenv/config.ts';
import { countingProxy, type CountingProxy, since } from '../../fixtures/testenv/counting-proxy.ts';
import { createRepo, git } from '../../fixtures/testenv/git-server.ts';
import { appDeployment } from '../../fixtures/testenv/manifests.ts';
import { orasCli } from '../../fixtures/testenv/oras.ts';
import { createNamespace, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { environmentRun } from '../release/environment-run.ts';
import { lastReleases } from '../state/releases.ts';
import { cutVersions } from '../verbs/cut.ts';
import { deployVersion } from '../verbs/deploy.ts';
import { openWorkspace, type Workspace } from '../workspace/workspace.ts';
import { movedChannels } from './channel-watch.ts';
import { createDependencyTracker } from './dependencies.ts';
import { followChannels } from './follow-channels.ts';
import { createLogger } from './log.ts';
import type { LoopContext } from './loop-context.ts';
import { createServeMetrics } from './serve-metrics.ts';

const env = testEnv();
const [c1, c2] = env.clusters as [(typeof env.clusters)[number], (typeof env.clusters)[number]];
const scratch = mkdtempSync(join(tmpdir(), 'drover-follow-reads-'));
const ns = uniqueName('reads');
const prefix = uniqueName('reads');
const bundle = uniqueName('web');
const oras = orasCli(scratch);
let proxy: CountingProxy;
let ws: Workspace;
let ctx: LoopContext;
let drop: () => Promise<void>;
const ac = new AbortController();

function writeApp(dir: string, level: string): void {
  const docs = [
    {
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Bundle',
      metadata: { name: bundle },
      spec: { namespace: ns, roots: [{ kind: 'Deployment', name: 'web' }] },
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace: ns }, data: { LEVEL: level } },
    appDeployment({ name: 'web', namespace: ns, configMap: 'web-config' }),
  ];
  writeFileSync(join(dir, 'web.yaml'), docs.map((d) => stringify(d)).join('---\n'));
}

/** The registry requests `fn` makes, by kind. */
async function requestsOf(fn: () => Promise<unknown>): Promise<Map<string, number>> {
  const before = proxy.kinds();
  await fn();
  return since(before, proxy.kinds());
}
const runs = (environment: 'dev' | 'prod') =>
  environmentRun(lastReleases(ws.db, { bundle, clusters: environment === 'dev' ? ['c1'] : ['c2'] })).runs;

beforeAll(async () => {
  proxy = await countingProxy(env.registry.host);
  drop = await createNamespace(env, ns, [c1, c2]);
  const seed = join(scratch, 'seed');
  mkdirSync(seed);
  writeApp(seed, 'one');
  const url = await createRepo(env.git, { name: uniqueName('reads'), fixtureDir: seed });
  const configPath = writeTestConfig(env, scratch, {
    sources: [{ name: 'apps', url }],
    registry: `oci://${proxy.host}/${prefix}`,
    clusters: [c1, c2],
    environments: [
      { name: 'dev', clusters: ['c1'], timeoutSeconds: 90 },
      { name: 'prod', clusters: ['c2'], timeoutSeconds: 90, promotion: { mode: 'manual' } },
    ],
    serve: { channels: { pollSeconds: 30 } },
  });
  ws = await openWorkspace({ configPath });
  await cutVersions({ ws });
  const work = join(scratch, 'work');
  await git(scratch, ['clone', '--quiet', url, work]);
  writeApp(work, 'two');
  await git(work, ['commit', '--quiet', '-am', 'two']);
  await git(work, ['push', '--quiet', 'origin', 'HEAD:main']);
  await cutVersions({ ws });
  expect((await deployVersion({ ws, bundle, version: '1.0.0', environment: 'dev' })).ok).toBe(true);
  const log = createLogger({ write: () => {} });
  const metrics = createServeMetrics();
  ctx = {
    ws,
    log,
    metrics,
    deps: createDependencyTracker({ metrics, log, registry: ws.config.registry }),
    signal: ac.signal,
  };
});
afterAll(async () => {
  ac.abort();
  ws?.close();
  proxy?.close();
  await drop?.();
  rmSync(scratch, { recursive: true, force: true });
});

describe('the loop reads channel tags from one listing and the watch', () => {
  it('at rest: one listing when the watch read this round; without a watch read, only the tags the listing names are read', async () => {
    ws.db.prepare('DELETE FROM channel_reads').run();
    const unwatched = await requestsOf(async () =>
      expect((await followChannels(ctx, { bundle })).followed).toEqual([]),
    );
    // dev has a tag (read: a HEAD), prod has none (the listing says so: no request).
    expect(unwatched).toEqual(
      new Map([
        ['GET tags', 1],
        ['HEAD tag', 1],
      ]),
    );

    const round = await movedChannels({ ws, signal: ac.signal });
    expect(round).toEqual({ moved: [], errors: [] });
    const watched = await requestsOf(async () => expect((await followChannels(ctx, { bundle })).followed).toEqual([]));
    expect(watched).toEqual(new Map([['GET tags', 1]]));
  });

  it('a watch read from before Drover moved the tag is read again: nothing is followed back', async () => {
    await movedChannels({ ws, signal: ac.signal }); // reads dev -> 1.0.0
    expect((await deployVersion({ ws, bundle, version: '1.0.1', environment: 'dev' })).ok).toBe(true); // moves dev -> 1.0.1, marked after that read
    let followed: Awaited<ReturnType<typeof followChannels>>['followed'] = [];
    const requests = await requestsOf(async () => (followed = (await followChannels(ctx, { bundle })).followed));
    expect(followed).toEqual([]);
    expect(requests.get('HEAD tag')).toBe(1);
    expect(runs('dev')).toBe('1.0.1');
  });

  it('a tag set by hand where the bundle never ran is found by the listing and followed', async () => {
    expect(runs('prod')).toBeUndefined();
    await oras(['tag', '--plain-http', `${env.registry.host}/${prefix}/${bundle}:1.0.0`, 'prod']);
    const r = await followChannels(ctx, { bundle });
    expect(r.followed).toEqual([expect.objectContaining({ environment: 'prod', version: '1.0.0', ok: true })]);
    expect(runs('prod')).toBe('1.0.0');
  });

  it("a registry whose tag listing comes back empty: each environment's tag is read, and nothing is missed", async () => {
    ws.db.prepare('DELETE FROM channel_reads').run();
    await oras(['tag', '--plain-http', `${env.registry.host}/${prefix}/${bundle}:1.0.1`, 'prod']);
    // CNCF distribution always lists; a registry that does not is answered here, at the proxy.
    proxy.answer((req) =>
      req.url?.split('?')[0]?.endsWith('/tags/list')
        ? { status: 200, json: { name: `${prefix}/${bundle}`, tags: [] } }
        : undefined,
    );
    try {
      let r: Awaited<ReturnType<typeof followChannels>> | undefined;
      const requests = await requestsOf(async () => (r = await followChannels(ctx, { bundle })));
      expect(requests.get('HEAD tag')).toBeGreaterThanOrEqual(2);
      expect(r!.followed).toEqual([expect.objectContaining({ environment: 'prod', version: '1.0.1', ok: true })]);
      expect(runs('prod')).toBe('1.0.1');
    } finally {
      proxy.answer(undefined);
    }
  });
});

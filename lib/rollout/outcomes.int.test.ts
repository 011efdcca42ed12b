// A rollout's one outcome through every interface (issue 25), with real
// parts: the Git server, the registry (the shared one, and for the registry
// outage one this file starts and stops), the control planes, the spawned
// `drover` CLI, a running `drover serve` (its API, and its dashboard logged
// in with the API token), kubectl and the ORAS CLI. Each test has its own
// namespace, repository, registry prefix and bundle; `dev` (c1) is always
// first and runs the newest version, so serve's loop has nothing to do.
// - For each outcome a real case shows the CLI's exit code and `outcome`,
//   the API's status and `outcome`, and the dashboard's rollout page (badge
//   and sentence): healthy, a good version (0, 200, Healthy); rolled back, a
//   crash-looping version (7, 422, Rolled back); refused, a version naming a
//   ConfigMap someone made with kubectl (5, 409, Refused; nothing written);
//   not run, the environment's only cluster stopped answering (6, 503, Not
//   run; nothing changed).
// - Not run where nothing ran before leaves no tag behind, and a serve
//   started while a cluster does not answer is ready and answers not-run.
// Needs a person, stale plans and `promote --dry-run` are in
// outcome-needs-person.int.test.ts, so the two files run side by side.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { kubectlOn, objectSnapshot } from '../../fixtures/testenv/use-env.ts';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  env,
  c1,
  c2,
  c3,
  scratch,
  dev,
  manual,
  stage,
  serve,
  expectCli,
  expectApi,
  stoppableCluster,
  neverAnswering,
} from '../../fixtures/testenv/outcome-stage.ts';

describe('one outcome, said by the CLI (exit code), the API (status) and the dashboard (badge and sentence)', () => {
  it('healthy: a good version: exit 0, 200, "Healthy"', async () => {
    const s = await stage({ name: 'ok', environments: [dev, manual('prod', ['c2'])] }, { level: 'one' });
    expect(await s.cut({ level: 'two' })).toBe('1.0.1');

    expectCli(await s.drover(['deploy', `${s.web}@1.0.1`, '--env', 'dev']), 0, 'healthy');
    expect(await s.level(c1)).toBe('two');

    const api = await serve(s);
    onTestFinished(() => api.daemon.kill());
    const r = await api.post('/api/v1/promote', { bundle: s.web, to: 'prod' });
    expectApi(r, 200, 'healthy');
    expect(r.json.version).toBe('1.0.1');
    expect(await s.level(c2)).toBe('two');
    expect(await s.tagDigest('prod')).toBe(await s.tagDigest('1.0.1'));

    for (const e of ['dev', 'prod'])
      expect(await api.rolloutPage('1.0.1', e)).toEqual({
        heading: `${s.web} 1.0.1 to ${e}: Healthy`,
        outcome: `${s.web}@1.0.1 in ${e} runs healthy on every cluster.`,
      });
  });

  it('rolled back: a crash-looping version: exit 7, 422, "Rolled back"; prod back on what it ran', async () => {
    const s = await stage({ name: 'rb', environments: [dev, manual('prod', ['c2'])] }, { level: 'one' });
    await s.deploy('1.0.0', 'prod');
    expect(await s.cut({ level: 'two', failing: true })).toBe('1.0.1');
    // The newest version is good and dev runs it: serve's loop leaves the failing one alone.
    expect(await s.cut({ level: 'three' })).toBe('1.0.2');
    await s.deploy('1.0.2', 'dev');
    const prodTag = await s.tagDigest('prod');
    expect(prodTag).toBe(await s.tagDigest('1.0.0'));
    const failedOnC2 = [
      expect.objectContaining({ cluster: 'c2', object: `Deployment/${s.ns}/web`, error: expect.anything() }),
    ];

    const cli = await s.drover(['deploy', `${s.web}@1.0.1`, '--env', 'prod']);
    expectCli(cli, 7, 'rolled-back');
    expect(cli.json.failures).toEqual(failedOnC2);
    expect(await s.level(c2)).toBe('one');
    expect(await s.tagDigest('prod')).toBe(prodTag);

    const api = await serve(s);
    onTestFinished(() => api.daemon.kill());
    const r = await api.post('/api/v1/deploy', { bundle: s.web, version: '1.0.1', environment: 'prod' });
    expectApi(r, 422, 'rolled-back');
    expect(r.json.failures).toEqual(failedOnC2);
    expect(await s.level(c2)).toBe('one');
    expect(await s.tagDigest('prod')).toBe(prodTag);

    const page = await api.rolloutPage('1.0.1', 'prod');
    expect(page.heading).toBe(`${s.web} 1.0.1 to prod: Rolled back`);
    expect(page.outcome).toContain(
      `${s.web}@1.0.1 in prod failed and every cluster is back on what it ran: c2 (Deployment/${s.ns}/web): `,
    );
  }, 300_000);

  it('refused: a version naming a ConfigMap someone made with kubectl: exit 5, 409, "Refused"; nothing written', async () => {
    const s = await stage({ name: 'ref', environments: [dev, manual('prod', ['c2'])] }, { level: 'one' });
    await s.deploy('1.0.0', 'prod');
    // 1.0.1 reads its settings from a new ConfigMap, web-settings, which someone already made by hand on c2.
    expect(await s.cut({ level: 'two', configMap: 'web-settings' })).toBe('1.0.1');
    await s.deploy('1.0.1', 'dev');
    await kubectlOn(env, c2, ['create', 'configmap', 'web-settings', '-n', s.ns, '--from-literal=BY_HAND=yes']);
    const refs = [...s.objects(), `ConfigMap/${s.ns}/web-settings`];
    const before = await objectSnapshot(env, c2, refs);
    for (const ref of refs) expect(before[ref], ref).toMatch(/^\S+ \d+$/);
    const prodTag = await s.tagDigest('prod');
    const foreign = [
      {
        cluster: 'c2',
        object: `ConfigMap/${s.ns}/web-settings`,
        error: expect.objectContaining({ code: 'E_CONFLICT', reason: 'ForeignObject' }),
      },
    ];

    const cli = await s.drover(['promote', s.web, '--to', 'prod']);
    expectCli(cli, 5, 'refused');
    expect(cli.json.failures).toEqual(foreign);
    expect(await objectSnapshot(env, c2, refs)).toEqual(before);
    expect(await s.tagDigest('prod')).toBe(prodTag);

    const api = await serve(s);
    onTestFinished(() => api.daemon.kill());
    const r = await api.post('/api/v1/promote', { bundle: s.web, to: 'prod' });
    expectApi(r, 409, 'refused');
    expect(r.json.failures).toEqual(foreign);
    expect(r.json.error.data.reason).toBe('ForeignObject');
    expect(await objectSnapshot(env, c2, refs)).toEqual(before);
    expect(await s.tagDigest('prod')).toBe(prodTag);

    const page = await api.rolloutPage('1.0.1', 'prod');
    expect(page.heading).toBe(`${s.web} 1.0.1 to prod: Refused`);
    expect(page.outcome).toContain(
      `${s.web}@1.0.1 in prod was refused before anything was written: c2 (ConfigMap/${s.ns}/web-settings): `,
    );
  }, 240_000);

  it('not run: the environment’s only cluster stopped answering: exit 6, 503, "Not run"; nothing changed', async () => {
    const edge = await stoppableCluster(mkdtempSync(join(scratch, 'edge-')), c3);
    const s = await stage(
      {
        name: 'nr',
        clusters: [c1, edge.info],
        namespaceIn: [c1, c3],
        kubeconfig: edge.kubeconfig,
        environments: [dev, manual('edge', ['edge'])],
      },
      { level: 'one' },
    );
    await s.deploy('1.0.0', 'edge');
    expect(await s.cut({ level: 'two' })).toBe('1.0.1');
    await s.deploy('1.0.1', 'dev');
    // Serve starts while edge answers (one started with a cluster down is the next test).
    const api = await serve(s);
    onTestFinished(() => api.daemon.kill());
    // Edge's API server goes away: nothing listens where its context points.
    await edge.stop();
    const before = await objectSnapshot(env, c3, s.objects());
    for (const ref of s.objects()) expect(before[ref], ref).toMatch(/^\S+ \d+$/);
    const tags = await s.tags();
    expect(tags.edge).toBe(tags['1.0.0']);
    const unreachable = [{ cluster: 'edge', error: expect.objectContaining({ code: 'E_UNAVAILABLE' }) }];

    const cli = await s.drover(['promote', s.web, '--to', 'edge']);
    expectCli(cli, 6, 'not-run');
    expect(cli.json.failures).toEqual(unreachable);
    expect(await objectSnapshot(env, c3, s.objects())).toEqual(before);
    expect(await s.tags()).toEqual(tags);

    const r = await api.post('/api/v1/promote', { bundle: s.web, to: 'edge' });
    expectApi(r, 503, 'not-run');
    expect(r.json.failures).toEqual(unreachable);
    expect(await objectSnapshot(env, c3, s.objects())).toEqual(before);
    expect(await s.tags()).toEqual(tags);

    const page = await api.rolloutPage('1.0.1', 'edge');
    expect(page.heading).toBe(`${s.web} 1.0.1 to edge: Not run`);
    expect(page.outcome).toContain(`${s.web}@1.0.1 in edge could not run, and nothing of it was kept: edge: `);
    expect(page.outcome).toContain('It can be tried again.');
  }, 240_000);

  it('not run where nothing ran before (its only cluster never answered): exit 6, and no tag is left naming the version', async () => {
    const s = await neverAnswering('nrtag');
    const tags = await s.tags();
    expect(tags.edge).toBeUndefined();

    const cli = await s.drover(['promote', s.web, '--to', 'edge']);
    expectCli(cli, 6, 'not-run');
    expect(cli.json.failures).toEqual([{ cluster: 'edge', error: expect.objectContaining({ code: 'E_UNAVAILABLE' }) }]);
    // Nothing ran and nothing was kept: edge gets no tag naming a version it never ran.
    expect(await s.tags()).toEqual(tags);
  });

  it('drover serve started while a cluster does not answer is ready, and its API answers the not-run: 503, "Not run"', async () => {
    const s = await neverAnswering('nrserve');
    const api = await serve(s);
    onTestFinished(() => api.daemon.kill());
    const r = await api.post('/api/v1/promote', { bundle: s.web, to: 'edge' });
    expectApi(r, 503, 'not-run');
    expect((await api.rolloutPage('1.0.0', 'edge')).heading).toBe(`${s.web} 1.0.0 to edge: Not run`);
  });
});

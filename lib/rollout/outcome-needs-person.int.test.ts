// A rollout's outcome "needs a person", and plans that went stale or were
// only printed (issue 25; split from outcomes.int.test.ts so the two run
// side by side). Real parts as there: the Git server, a registry this file
// starts and stops, the control planes, the spawned `drover` CLI, a running
// `drover serve`, kubectl and the ORAS CLI.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterInfo } from '../../fixtures/testenv/kube.ts';
import { objectSnapshot } from '../../fixtures/testenv/use-env.ts';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  env,
  c1,
  c2,
  c3,
  scratch,
  dev,
  manual,
  type StageOptions,
  type Stage,
  stage,
  decode,
  textOf,
  type Served,
  serve,
  expectCli,
  expectApi,
  untilUnschedulableApplied,
  ownRegistry,
} from '../../fixtures/testenv/outcome-stage.ts';

describe('one outcome, said by the CLI (exit code), the API (status) and the dashboard (badge and sentence)', () => {
  it('needs a person: a failing version while the registry goes away, so its tag cannot be put back: exit 8, 500, "Needs a person"', async () => {
    const registry = await ownRegistry(mkdtempSync(join(scratch, 'registry-')));
    const s = await stage(
      {
        name: 'np',
        clusters: [c1, c2, c3],
        registryHost: registry.host,
        environments: [dev, manual('staging', ['c2']), manual('prod', ['c3'])],
      },
      { level: 'one' },
    );
    await s.deploy('1.0.0', 'staging');
    await s.deploy('1.0.0', 'prod');
    expect(await s.cut({ level: 'two', unschedulable: true })).toBe('1.0.1');
    expect(await s.cut({ level: 'three' })).toBe('1.0.2');
    await s.deploy('1.0.2', 'dev');
    const failed = await s.tagDigest('1.0.1');
    // The cluster's own rollback normally succeeds (E_RELEASE_FAILED, back on 1.0.0). On a loaded machine its
    // verification can still read the failed ReplicaSet's ProgressDeadlineExceeded and end rollback-failed
    // (E_ROLLBACK_FAILED): needs a person as well. Either way the tag is what could not be put back.
    const stuck = (cluster: string, tag: string) => [
      expect.objectContaining({
        cluster,
        error: expect.objectContaining({ code: expect.stringMatching(/^E_(RELEASE|ROLLBACK)_FAILED$/) }),
      }),
      { error: { code: 'E_UNAVAILABLE', message: expect.stringMatching(new RegExp(`^the ${tag} tag: `)) } },
    ];
    const backOnOne = async (failures: { error: { code: string } }[], cluster: ClusterInfo) => {
      if (failures[0]?.error.code === 'E_RELEASE_FAILED') expect(await s.level(cluster)).toBe('one');
    };
    /** Runs `release` and takes the registry away once its failing Deployment is applied on `cluster`; the registry is back afterwards. */
    const withRegistryGone = async <T>(cluster: ClusterInfo, release: () => Promise<T>): Promise<T> => {
      const running = release();
      try {
        await untilUnschedulableApplied(cluster, s.ns);
        await registry.stop();
        return await running;
      } finally {
        await running.catch(() => {});
        await registry.start();
      }
    };

    const cli = await withRegistryGone(c2, () => s.drover(['deploy', `${s.web}@1.0.1`, '--env', 'staging']));
    expectCli(cli, 8, 'needs-person');
    // c2 is back on 1.0.0; the tag is what could not be put back, and it still names the version that failed.
    expect(cli.json.failures).toEqual(stuck('c2', 'staging'));
    expect(cli.json.channel).toMatchObject({ tag: 'staging', restored: false, restoreError: expect.any(String) });
    await backOnOne(cli.json.failures, c2);
    expect(await s.tagDigest('staging')).toBe(failed);

    const api = await serve(s);
    onTestFinished(() => api.daemon.kill());
    const r = await withRegistryGone(c3, () =>
      api.post('/api/v1/deploy', { bundle: s.web, version: '1.0.1', environment: 'prod' }),
    );
    expectApi(r, 500, 'needs-person');
    expect(r.json.failures).toEqual(stuck('c3', 'prod'));
    await backOnOne(r.json.failures, c3);
    expect(r.json.channel).toMatchObject({ tag: 'prod', restored: false, restoreError: expect.any(String) });
    expect(await s.tagDigest('prod')).toBe(failed);

    for (const e of ['staging', 'prod']) {
      const page = await api.rolloutPage('1.0.1', e);
      expect(page.heading).toBe(`${s.web} 1.0.1 to ${e}: Needs a person`);
      expect(page.outcome).toContain(`${s.web}@1.0.1 in ${e} failed and could not all be put back: `);
      expect(page.outcome).toMatch(new RegExp(`c[23]\\b.*; the ${e} tag: `));
      expect(page.outcome).toContain('Look at the clusters named before anything else.');
    }
  }, 400_000);
});

/** Prod runs 1.0.1 and dev 1.0.2 (the newest): a promotion to prod would take 1.0.2. */
async function promotable(name: string, opts: Partial<StageOptions> = {}): Promise<Stage> {
  const s = await stage({ name, environments: [dev, manual('prod', ['c2'])], ...opts }, { level: 'one' });
  expect(await s.cut({ level: 'two' })).toBe('1.0.1');
  await s.deploy('1.0.1', 'prod');
  expect(await s.cut({ level: 'three' })).toBe('1.0.2');
  await s.deploy('1.0.2', 'dev');
  return s;
}

const short = (digest: string) => `${digest.slice(0, 19)}…`;

describe('a plan that went stale between being shown and being confirmed', () => {
  let s: Stage;
  let api: Served;
  let digests: Record<string, string>;

  beforeAll(async () => {
    // Serve follows no tag: a tag moved by hand stays a difference from the plan, never a rollout of its own.
    s = await promotable('stale', { serve: { channels: { follow: false } } });
    digests = await s.tags();
    api = await serve(s);
  }, 300_000);

  it('the dashboard: prod’s tag moved with oras after the confirm page was shown; the post is refused, naming the move', async () => {
    const confirm = await api.page(`/ui/confirm/promote?bundle=${s.web}&to=prod`);
    expect(confirm.status).toBe(200);
    expect(textOf(confirm.html)).toContain(`Promote ${s.web} 1.0.2 to prod?`);
    const form = /<form method="post" action="\/ui\/actions\/promote" class="confirm">([\s\S]*?)<\/form>/.exec(
      confirm.html,
    )?.[1];
    expect(form, 'the confirm form').toBeDefined();
    const fields = Object.fromEntries(
      [...form!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, decode(m[2]!)]),
    );
    expect(fields).toEqual({
      bundle: s.web,
      to: 'prod',
      version: '1.0.2',
      plan: expect.stringMatching(/^plan-/),
      csrf: expect.any(String),
    });
    const before = await objectSnapshot(env, c2, s.objects());
    const from = (await s.tagDigest('prod'))!;
    const to = digests['1.0.0']!;
    expect(from).not.toBe(to);

    // Meanwhile someone points prod's tag elsewhere.
    await s.orasTag(to, 'prod');
    const r = await api.submit('/ui/actions/promote', fields);
    expect(r.status, r.html).toBe(409);
    const text = textOf(/<main[^>]*>([\s\S]*)<\/main>/.exec(r.html)![1]!);
    expect(text).toContain('promote: refused');
    expect(text).toContain(`the plan shown (${fields.plan}) is stale, plan again: `);
    expect(text).toContain(`the prod tag moved from ${short(from)} to ${short(to)}`);
    expect(await objectSnapshot(env, c2, s.objects())).toEqual(before);
    expect(await s.level(c2)).toBe('two');
    expect(await s.tagDigest('prod')).toBe(to);
  });

  it('the API: a plan id from POST /api/v1/plan, the tag moved with oras, then POST /api/v1/promote with it: 409, reason Stale, the move listed', async () => {
    const from = (await s.tagDigest('prod'))!;
    const plan = await api.post('/api/v1/plan', { action: 'promote', bundle: s.web, to: 'prod' });
    expect(plan.status, JSON.stringify(plan.json)).toBe(200);
    expect(plan.json).toMatchObject({ version: '1.0.2', channel: { tag: 'prod', names: from } });
    expect(plan.json.refusal).toBeUndefined();
    const before = await objectSnapshot(env, c2, s.objects());
    const to = from === digests['1.0.0'] ? digests['1.0.1']! : digests['1.0.0']!;

    await s.orasTag(to, 'prod');
    const r = await api.post('/api/v1/promote', { bundle: s.web, to: 'prod', plan: plan.json.id });
    expectApi(r, 409, 'refused');
    expect(r.json.error.data).toMatchObject({
      reason: 'Stale',
      plan: plan.json.id,
      differences: [`the prod tag moved from ${short(from)} to ${short(to)}`],
    });
    expect(r.json.error.message).toContain(`the prod tag moved from ${short(from)} to ${short(to)}`);
    expect(await objectSnapshot(env, c2, s.objects())).toEqual(before);
    expect(await s.tagDigest('prod')).toBe(to);
  });
});

describe('drover promote --dry-run', () => {
  it('prints the plan (the version, the tag’s move, each prod cluster’s change) and changes nothing: tags, prod objects, journal', async () => {
    const s = await stage(
      {
        name: 'dry',
        clusters: [c1, c2, c3],
        environments: [dev, manual('prod', ['c2', 'c3'], { waves: [{ clusters: ['c2'] }, { clusters: ['c3'] }] })],
      },
      { level: 'one' },
    );
    await s.deploy('1.0.0', 'prod');
    expect(await s.cut({ level: 'two' })).toBe('1.0.1');
    await s.deploy('1.0.1', 'dev');
    const tags = await s.tags();
    expect(Object.keys(tags).sort()).toEqual(['1.0.0', '1.0.1', 'dev', 'prod']);
    const snapshot = async () => ({
      c2: await objectSnapshot(env, c2, s.objects()),
      c3: await objectSnapshot(env, c3, s.objects()),
    });
    const before = await snapshot();
    for (const ref of s.objects()) expect(before.c3[ref], ref).toMatch(/^\S+ \d+$/);
    const journal = (await s.drover(['history', s.web])).json as { id: number }[];

    const human = await s.drover(['promote', s.web, '--to', 'prod', '--dry-run'], { json: false });
    expect(human.code, human.stdout + human.stderr).toBe(0);
    const id = /^plan (plan-\S+): promote /m.exec(human.stdout)?.[1];
    expect(id, human.stdout).toBeDefined();
    expect(human.stdout).toContain(`plan ${id}: promote ${s.web}@1.0.1 to prod (dry run: nothing was changed)`);
    expect(human.stdout).toContain('prod runs 1.0.0 now');
    expect(human.stdout).toContain(
      `channel tag prod: ${short(tags.prod!)} -> ${short(tags['1.0.1']!)}; put back to ${short(tags.prod!)} if it does not end healthy`,
    );
    for (const [c, wave] of [
      ['c2', 1],
      ['c3', 2],
    ])
      expect(human.stdout).toMatch(
        new RegExp(`^${c}\\s+${wave}\\s+1\\.0\\.0\\s+0 added, 1 changed, 0 removed, 1 unchanged$`, 'm'),
      );

    const json = await s.drover(['promote', s.web, '--to', 'prod', '--dry-run']);
    expect(json.code, json.stdout + json.stderr).toBe(0);
    const changed = (c: string) => ({
      cluster: c,
      mode: 'push',
      runs: { version: '1.0.0', digest: tags['1.0.0'] },
      inventory: tags['1.0.0'],
      change: expect.objectContaining({
        cluster: c,
        version: '1.0.1',
        added: [],
        removed: [],
        changed: [expect.objectContaining({ ref: expect.objectContaining({ kind: 'ConfigMap', name: 'web-config' }) })],
        unchanged: [expect.objectContaining({ kind: 'Deployment', name: 'web' })],
        foreign: [],
      }),
    });
    expect(json.json).toMatchObject({
      id,
      reason: 'promote',
      environment: 'prod',
      version: '1.0.1',
      digest: tags['1.0.1'],
      runs: { version: '1.0.0', digest: tags['1.0.0'] },
      channel: { mode: 'move', tag: 'prod', names: tags.prod, to: tags['1.0.1'], putBackTo: tags.prod },
      waves: [{ clusters: [{ ...changed('c2'), wave: 1 }] }, { clusters: [{ ...changed('c3'), wave: 2 }] }],
    });
    expect(json.json.refusal).toBeUndefined();

    // Nothing changed: every tag, every prod object, the journal.
    expect(await s.tags()).toEqual(tags);
    expect(await snapshot()).toEqual(before);
    expect(await s.level(c2)).toBe('one');
    expect(((await s.drover(['history', s.web])).json as { id: number }[]).map((h) => h.id)).toEqual(
      journal.map((h) => h.id),
    );
  }, 240_000);
});

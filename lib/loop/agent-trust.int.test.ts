// Agent protocol 2 (issue 27, part 3), end to end with real processes: a
// hub that signs (drover.yaml signing.keyFile) and names c3's agent key
// (agentKey, pollSeconds 1), a real `drover agent` on c3 given the hub's
// public key (--trusted-key) and its own key (--key-file), the real
// registry, real oras. Environment edge: wave 1 = c3 (agent), wave 2 = c2.
// - a genuine-format version cut by another Drover (its own workspace,
//   registry prefix and signing key), copied in with `oras copy` as 6.6.6
//   and tagged edge.w1: refused by the agent before any object is applied;
// - a forged index (unsigned, then signed by another key) retiring the
//   running bundle: nothing deleted; the hub then drops the forged retire
//   list and re-publishes its own signed index;
// - the agent stopped: c3 shows Stale after three intervals, and a rollout
//   waits on wave 1 (c2 is never released);
// - statuses written for c3 without c3's key, dated next year, or an older
//   genuine one put back: each refused by the hub (status and rollout);
// - neither private key in the agent's log, the registry or the hub's state.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { writeTestConfig } from '../../fixtures/testenv/config.ts';
import { droverCli } from '../../fixtures/testenv/drover-cli.ts';
import { createRepo } from '../../fixtures/testenv/git-server.ts';
import { appDeployment } from '../../fixtures/testenv/manifests.ts';
import { orasCli } from '../../fixtures/testenv/oras.ts';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { type AgentStatus, decodeIndex, decodeStatus, encodeIndex, encodeStatus } from '../protocol/agent-protocol.ts';
import { generateKeyPair } from '../signature/generate-key-pair.ts';
import { parsePublicKey } from '../signature/public-key.ts';
import { keySigner } from '../signature/signer.ts';
import { type AgentProcess, startAgentProcess } from './testdata/agent-process.ts';

const env = testEnv();
const c2 = env.clusters.find((c) => c.name === 'c2')!;
const c3 = env.clusters.find((c) => c.name === 'c3')!;
const scratch = mkdtempSync(join(tmpdir(), 'drover-agent-trust-'));
const ns = uniqueName('trust');
const prefix = uniqueName('trust');
const otherPrefix = uniqueName('other');
const web = uniqueName('web');
const reg = env.registry.host;
const oras = orasCli(scratch);
const keys = join(scratch, 'keys');
const hubKeys = generateKeyPair();
const agentKeys = generateKeyPair();
const strangerKeys = generateKeyPair();
const agentSigner = keySigner({ privateKeyPem: agentKeys.privateKeyPem, name: 'agent' });
const strangerSigner = keySigner({ privateKeyPem: strangerKeys.privateKeyPem, name: 'stranger' });
const agentPub = parsePublicKey({ pem: agentKeys.publicKeyPem, name: 'agent' });
const hubPub = parsePublicKey({ pem: hubKeys.publicKeyPem, name: 'hub' });
const hub = join(scratch, 'hub');
const drover = droverCli(hub);
const outputs: string[] = [];
let agent: AgentProcess | undefined;
let v100 = '';
/** A genuine status of web on c3, captured early: replayed later. */
let earlyStatus = '';

const ref = (repo: string, tag: string) => `${reg}/${prefix}/${repo}:${tag}`;
const resolveTag = async (tag: string) => (await oras(['resolve', '--plain-http', ref(web, tag)])).trim();
const fetchManifest = (repo: string, tag: string) => oras(['manifest', 'fetch', '--plain-http', ref(repo, tag)]);
async function pushManifest(repo: string, tag: string, bytes: Uint8Array): Promise<void> {
  const file = join(scratch, `manifest-${uniqueName('m')}.json`);
  writeFileSync(file, bytes);
  await oras([
    'manifest',
    'push',
    '--plain-http',
    '--media-type',
    'application/vnd.oci.image.manifest.v1+json',
    ref(repo, tag),
    file,
  ]);
}
/** The CLI, its output kept for the grep of (e); `json: false` shows the rollout's events on stderr. */
async function run(args: string[], opts: { json?: boolean } = {}) {
  const r = await drover(args, opts);
  outputs.push(r.stdout, r.stderr);
  return r;
}
const c3Row = async () =>
  (await run(['status'])).json.find((r: { bundle: string; cluster: string }) => r.bundle === web && r.cluster === 'c3');
async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  for (const end = Date.now() + ms; !(await check());) {
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}; agent said:\n${(agent?.raw ?? []).slice(-20).join('\n')}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
const onC3 = (kind: string, name: string) =>
  kubectlOn(env, c3, ['get', kind, name, '-n', ns, '--ignore-not-found', '-o', 'name']).then((o) => o.trim());

function writeBundle(dir: string, level: string, extra: object[] = []): void {
  mkdirSync(dir, { recursive: true });
  const docs = [
    {
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Bundle',
      metadata: { name: web },
      spec: { namespace: ns, roots: [{ kind: 'Deployment', name: 'web' }] },
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace: ns }, data: { LEVEL: level } },
    appDeployment({ name: 'web', namespace: ns, configMap: 'web-config' }),
    ...extra,
  ];
  writeFileSync(join(dir, 'web.yaml'), docs.map((d) => stringify(d)).join('---\n'));
}

function writeHubConfig(url: string, timeoutSeconds: number): void {
  writeTestConfig(env, hub, {
    sources: [{ name: 'apps', url, schedule: '0 0 1 1 *' }],
    registry: `oci://${reg}/${prefix}`,
    signing: { keyFile: join(keys, 'hub.key') },
    kubeconfig: c2.kubeconfig,
    clusters: [c2],
    agentClusters: [{ name: 'c3', agentKey: join(keys, 'agent-c3.pub'), pollSeconds: 1 }],
    environments: [
      { name: 'edge', clusters: ['c3', 'c2'], waves: [{ clusters: ['c3'] }, { clusters: ['c2'] }], timeoutSeconds },
    ],
  });
}
let hubUrl = '';

beforeAll(async () => {
  mkdirSync(keys, { recursive: true });
  writeFileSync(join(keys, 'hub.key'), hubKeys.privateKeyPem, { mode: 0o600 });
  writeFileSync(join(keys, 'hub.pub'), hubKeys.publicKeyPem);
  writeFileSync(join(keys, 'agent-c3.key'), agentKeys.privateKeyPem, { mode: 0o600 });
  writeFileSync(join(keys, 'agent-c3.pub'), agentKeys.publicKeyPem);
  writeFileSync(join(keys, 'other.key'), strangerKeys.privateKeyPem, { mode: 0o600 });
  const drop = await createNamespace(env, ns, [c2, c3]);
  dropNs = drop;
  // This Drover: web 1.0.0, signed by the hub's key.
  const seed = join(scratch, 'seed');
  writeBundle(seed, 'one');
  hubUrl = await createRepo(env.git, { name: uniqueName('trust'), fixtureDir: seed });
  mkdirSync(hub);
  writeHubConfig(hubUrl, 60);
  // Another Drover: a bundle of the same name, its own prefix and key, an object this one never had.
  const otherSeed = join(scratch, 'other-seed');
  writeBundle(otherSeed, 'evil', [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'evil', namespace: ns }, data: { EVIL: 'yes' } },
  ]);
  const otherUrl = await createRepo(env.git, { name: uniqueName('other'), fixtureDir: otherSeed });
  const other = join(scratch, 'other');
  mkdirSync(other);
  writeTestConfig(env, other, {
    sources: [{ name: 'apps', url: otherUrl, schedule: '0 0 1 1 *' }],
    registry: `oci://${reg}/${otherPrefix}`,
    signing: { keyFile: join(keys, 'other.key') },
    clusters: [],
    environments: [],
  });
  const [mine, theirs] = await Promise.all([run(['cut']), droverCli(other)(['cut'])]);
  expect(mine.code, mine.stderr).toBe(0);
  expect(theirs.code, theirs.stderr).toBe(0);
  agent = await startAgentProcess({
    cwd: scratch,
    registry: `oci://${reg}/${prefix}`,
    cluster: c3,
    stateDir: join(scratch, 'agent-state'),
    args: ['--trusted-key', join(keys, 'hub.pub'), '--key-file', join(keys, 'agent-c3.key'), '--timeout-seconds', '30'],
  });
  const r = await run(['deploy', `${web}@1.0.0`, '--env', 'edge']);
  expect(r.code, r.stderr).toBe(0);
  v100 = await resolveTag('1.0.0');
  earlyStatus = await fetchManifest(`drover.status/c3`, web);
}, 120_000);

let dropNs: (() => Promise<void>) | undefined;
afterAll(async () => {
  agent?.proc.kill('SIGKILL');
  await dropNs?.();
  rmSync(scratch, { recursive: true, force: true });
});

describe('agent protocol 2: what an agent and the hub believe', () => {
  it('(setup) the agent verified 1.0.0 and signed its status, which the hub accepts with c3 key', async () => {
    expect(await onC3('configmap', 'web-config')).toBe('configmap/web-config');
    const s = decodeStatus(new TextEncoder().encode(earlyStatus), {
      bundle: web,
      cluster: 'c3',
      trustedKeys: [agentPub],
    });
    expect(s.keyId).toBe(agentPub.keyId);
    expect(s.document).toMatchObject({ protocol: 2, state: 'succeeded', desired: v100 });
    expect(await c3Row()).toMatchObject({
      health: 'Current',
      agent: { state: 'succeeded', keyId: agentPub.keyId, stale: false },
    });
    expect(agent!.lines.some((l) => String(l.msg).includes('not verified'))).toBe(false);
    // A running agent says so every poll: the same status, a later time, a higher sequence.
    const again = async () =>
      decodeStatus(new TextEncoder().encode(await fetchManifest('drover.status/c3', web)), {
        bundle: web,
        cluster: 'c3',
        trustedKeys: [agentPub],
      });
    const first = await again();
    await until('a heartbeat', async () => (await again()).sequence > first.sequence, 10_000);
    const next = await again();
    expect(next.document.time > first.document.time).toBe(true);
    expect(next.document).toMatchObject({ state: 'succeeded', desired: v100 });
  });

  it('(a) a version of another Drover copied in with oras copy and tagged edge.w1 is refused before any object is applied', async () => {
    await oras([
      'copy',
      '-r',
      '--from-plain-http',
      '--to-plain-http',
      `${reg}/${otherPrefix}/${web}:1.0.0`,
      ref(web, '6.6.6'),
    ]);
    const foreign = await resolveTag('6.6.6');
    expect(foreign).not.toBe(v100);
    await oras(['tag', '--plain-http', ref(web, '6.6.6'), 'edge.w1']);
    await until('the agent refuses the foreign digest', async () => {
      const row = await c3Row();
      return row?.agent?.desired === foreign && row.agent.state === 'refused';
    });
    const row = await c3Row();
    // Its own signature came along (oras copy -r): signed, by a key this agent does not trust.
    expect(row.agent.reason).toMatch(
      /^SignatureRefused: untrusted-key: signed by key sha256:[a-f0-9]{64} not trusted here/,
    );
    expect(
      agent!.lines.some(
        (l) => String(l.msg).includes(`refused: SignatureRefused`) && String(l.msg).includes('nothing applied'),
      ),
    ).toBe(true);
    // Nothing of it reached c3: its own object is absent, 1.0.0's ConfigMap unchanged.
    expect(await onC3('configmap', 'evil')).toBe('');
    expect(
      (await kubectlOn(env, c3, ['get', 'configmap', 'web-config', '-n', ns, '-o', 'jsonpath={.data.LEVEL}'])).trim(),
    ).toBe('one');
    await oras(['tag', '--plain-http', ref(web, '1.0.0'), 'edge.w1']);
    await until('the agent back on 1.0.0', async () => {
      const r = await c3Row();
      return r?.agent?.desired === v100 && r.agent.state === 'succeeded';
    });
  });

  it('(b) a forged index retiring the running bundle deletes nothing; the hub drops its retire list', async () => {
    const forged = {
      sequence: Date.now() + 1_000_000,
      environment: 'edge',
      bundles: [],
      retire: [web],
      clusters: {},
      selfHeal: {},
    };
    const mark = agent!.lines.length;
    await pushManifest('drover.index', 'edge', await encodeIndex({ index: forged }));
    await until('the agent refuses the unsigned index', async () =>
      agent!.lines
        .slice(mark)
        .some((l) => l.reason === 'unsigned' && String(l.msg).startsWith('index of edge: not accepted')),
    );
    await pushManifest('drover.index', 'edge', await encodeIndex({ index: forged, signer: strangerSigner }));
    await until('the agent refuses the index signed by another key', async () =>
      agent!.lines.slice(mark).some((l) => l.reason === 'untrusted-key'),
    );
    // Several polls later: still running whole, nothing retired.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await onC3('deployment', 'web')).toBe('deployment.apps/web');
    expect(await onC3('configmap', 'web-config')).toBe('configmap/web-config');
    expect(agent!.lines.some((l) => String(l.msg).includes('retired from c3'))).toBe(false);
    expect((await c3Row()).agent.state).toBe('succeeded');
    // The hub's next rollout re-writes the index from what it knows, signed, without the forged retire list.
    const r = await run(['deploy', `${web}@1.0.0`, '--env', 'edge'], { json: false });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /the index of edge in the registry is not trusted \(.*untrusted-key.*\): its retire list is dropped/,
    );
    const index = decodeIndex(new TextEncoder().encode(await fetchManifest('drover.index', 'edge')), {
      environment: 'edge',
      trustedKeys: [hubPub],
    });
    expect(index.keyId).toBe(hubPub.keyId);
    expect(index.document).toMatchObject({ bundles: [web], retire: [] });
    expect(index.sequence).toBeLessThan(forged.sequence);
    expect(await onC3('deployment', 'web')).toBe('deployment.apps/web');
  });

  it('(d) the agent stopped: c3 shows Stale after three intervals, and the next rollout waits on wave 1', async () => {
    writeHubConfig(hubUrl, 5);
    const history = async () => JSON.stringify((await run(['history', web, '--cluster', 'c2'])).json);
    const c2Before = await history();
    agent!.proc.kill('SIGTERM');
    await new Promise((r) => (agent!.proc.exitCode === null ? agent!.proc.once('exit', r) : r(undefined)));
    await until('c3 Stale', async () => (await c3Row())?.health === 'Stale', 20_000);
    const row = await c3Row();
    expect(row).toMatchObject({ health: 'Stale', agent: { state: 'succeeded', stale: true } });
    expect(row.healthMessage).toMatch(/c3 is Stale: its agent's last status .* more than 3 poll intervals/);
    // Its last word is "succeeded" of this very digest: a Stale one is not taken as the report.
    const r = await run(['deploy', `${web}@1.0.0`, '--env', 'edge'], { json: false });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/c3 is Stale: its agent's last status .*; waiting for a fresh status/);
    expect(r.stdout + r.stderr).toMatch(/did not report .* c3 is Stale/);
    expect(await history()).toBe(c2Before);
  });

  it('(c) statuses for c3 without its key, dated next year, or an older one put back: each refused by the hub', async () => {
    const current = decodeStatus(new TextEncoder().encode(await fetchManifest('drover.status/c3', web)), {
      bundle: web,
      cluster: 'c3',
      trustedKeys: [agentPub],
    }).document;
    const { protocol: _, ...fresh }: AgentStatus = {
      ...current,
      sequence: Date.now() + 1_000,
      time: new Date().toISOString(),
    };
    const cases: [string, Uint8Array, RegExp][] = [
      ['unsigned', await encodeStatus({ status: fresh }), /refused \(unsigned\)/],
      [
        'signed by another key',
        await encodeStatus({ status: fresh, signer: strangerSigner }),
        /refused \(untrusted-key\)/,
      ],
      [
        'dated next year (signed with c3 key)',
        await encodeStatus({
          status: {
            ...fresh,
            sequence: Date.now() + 2_000,
            time: new Date(Date.now() + 365 * 86_400_000).toISOString(),
          },
          signer: agentSigner,
        }),
        /refused \(future\)/,
      ],
      ['an older genuine one put back', new TextEncoder().encode(earlyStatus), /refused \(replayed\)/],
    ];
    for (const [what, bytes, why] of cases) {
      await pushManifest('drover.status/c3', web, bytes);
      const row = await c3Row();
      expect(row?.health, what).toBe('Unknown');
      expect(row?.healthMessage, what).toMatch(why);
      expect(row?.running, what).toBeNull();
    }
    // A rollout waiting on c3 takes none of them: with the future-dated "succeeded" there, it still waits.
    await pushManifest('drover.status/c3', web, cases[2]![1]);
    const r = await run(['deploy', `${web}@1.0.0`, '--env', 'edge'], { json: false });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/c3's status refused \(future\)/);
  });

  it('(e) neither private key appears in the agent log, the registry or the hub state', async () => {
    const lines = (pem: string) => pem.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'));
    const statusTags = (await oras(['repo', 'tags', '--plain-http', `${reg}/${prefix}/drover.status/c3`]))
      .split('\n')
      .filter(Boolean);
    const registry = [
      await fetchManifest('drover.index', 'edge'),
      ...(await Promise.all(statusTags.map((t) => fetchManifest('drover.status/c3', t)))),
      earlyStatus,
    ].join('\n');
    const state = readFileSync(join(hub, '.drover', 'state.db')).toString('latin1');
    const haystacks = { agentLog: agent!.raw.join('\n'), registry, hubOutput: outputs.join('\n'), state };
    for (const [where, text] of Object.entries(haystacks))
      for (const key of [agentKeys.privateKeyPem, hubKeys.privateKeyPem])
        expect(
          lines(key).filter((l) => text.includes(l)),
          where,
        ).toEqual([]);
    // The log that was searched is the agent's whole life: from its start to its stop.
    expect(agent!.lines.some((l) => l.msg === 'agent started')).toBe(true);
    expect(agent!.lines.some((l) => l.msg === 'agent stopped')).toBe(true);
  });
});

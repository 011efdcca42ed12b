// SOPS through the whole path a user takes: a Secret encrypted by the real
// sops CLI is committed to Git, cut into a version, pushed to the registry
// and deployed with `drover deploy`, the age identity coming from the
// environment variable the config names. The cluster gets the plaintext; the
// canary value appears nowhere else: not in the CLI's output or progress
// log, the state database, the workspace, the registry's storage, temp
// files, `drover show`/`diff`, or the inventory.
import { execFile, execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createRepo, git } from '../../fixtures/testenv/git-server.ts';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';

const execFileP = promisify(execFile);
const env = testEnv();
const c1 = env.clusters[0]!;
const cli = join(import.meta.dirname, '..', '..', 'cmd', 'drover.ts');
const scratch = mkdtempSync(join(tmpdir(), 'drover-sops-cli-'));
const childTmp = join(scratch, 'tmp');
const ns = uniqueName('sops');
const prefix = uniqueName('sops');
const canary = `canary-${uniqueName('pw')}`;
// Bundle names are cluster-wide (the inventory is drover-system/inventory-<bundle>), so tests sharing clusters use unique ones.
const bundle = uniqueName('app');
const outputs: string[] = [];
let ws: string;
let work: string;
let identity: string;
let drop: () => Promise<void>;

function sopsBin(): string {
  const candidates = [
    join(homedir(), 'go', 'bin', 'sops'),
    ...(process.env.PATH ?? '').split(':').map((p) => join(p, 'sops')),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found)
    throw new Error('sops CLI not found: run bash .ci/setup (go install github.com/getsops/sops/v3/cmd/sops@v3.11.0)');
  return found;
}

function filesContaining(root: string, needle: string): string[] {
  if (!existsSync(root)) return [];
  const hits: string[] = [];
  for (const name of readdirSync(root)) {
    const p = join(root, name);
    const st = statSync(p);
    if (st.isDirectory()) hits.push(...filesContaining(p, needle));
    else if (st.isFile() && readFileSync(p).includes(needle)) hits.push(p);
  }
  return hits;
}

async function drover(args: string[]) {
  const opts = { cwd: ws, env: { ...process.env, DROVER_AGE_KEY: identity, TMPDIR: childTmp } };
  try {
    const r = await execFileP(process.execPath, [cli, ...args, '--output', 'json'], opts);
    outputs.push(r.stdout, r.stderr);
    return { code: 0, json: JSON.parse(r.stdout) };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    outputs.push(e.stdout, e.stderr);
    return { code: e.code, json: e.stdout ? JSON.parse(e.stdout) : { stderr: e.stderr } };
  }
}

function writeApp(dir: string, password: string, level: string): void {
  mkdirSync(join(dir, 'app'), { recursive: true });
  const plain = join(scratch, 'secret.plain.yaml');
  writeFileSync(
    plain,
    stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: ns },
      type: 'Opaque',
      stringData: { password },
    }),
  );
  const encrypted = execFileSync(
    sopsBin(),
    [
      '--encrypt',
      '--age',
      recipient,
      '--encrypted-regex',
      '^(data|stringData)$',
      '--input-type',
      'yaml',
      '--output-type',
      'yaml',
      plain,
    ],
    { encoding: 'utf8' },
  );
  rmSync(plain);
  writeFileSync(join(dir, 'app', 'secret.yaml'), encrypted);
  writeFileSync(
    join(dir, 'app', 'app.yaml'),
    [
      {
        apiVersion: 'drover.dev/v1alpha1',
        kind: 'Bundle',
        metadata: { name: bundle },
        spec: { namespace: ns, roots: [{ kind: 'Deployment', name: 'app' }] },
      },
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'app-config', namespace: ns },
        data: { LOG_LEVEL: level },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'app', namespace: ns },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'app' } },
          template: {
            metadata: { labels: { app: 'app' } },
            spec: {
              containers: [
                {
                  name: 'app',
                  image: 'registry.invalid/app:1',
                  envFrom: [{ secretRef: { name: 'db' } }, { configMapRef: { name: 'app-config' } }],
                },
              ],
            },
          },
        },
      },
    ]
      .map((d) => stringify(d))
      .join('---\n'),
  );
}
let recipient: string;

beforeAll(async () => {
  mkdirSync(childTmp);
  identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
  drop = await createNamespace(env, ns, [c1]);
  const seed = join(scratch, 'seed');
  writeApp(seed, canary, 'info');
  const url = await createRepo(env.git, { name: uniqueName('sops'), fixtureDir: seed });
  work = join(scratch, 'work');
  await git(scratch, ['clone', '--quiet', url, work]);
  ws = mkdtempSync(join(scratch, 'ws-'));
  writeFileSync(
    join(ws, 'drover.yaml'),
    stringify({
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Config',
      sources: [{ name: 'apps', url }],
      registry: `oci://${env.registry.host}/${prefix}`,
      kubeconfig: env.kubeconfig,
      clusters: [{ name: 'c1' }],
      environments: [{ name: 'dev', clusters: ['c1'], ageKey: { env: 'DROVER_AGE_KEY' }, timeoutSeconds: 90 }],
    }),
  );
});
afterAll(async () => {
  await drop?.();
  rmSync(scratch, { recursive: true, force: true });
});

describe('a SOPS Secret through the CLI', () => {
  it('arrives decrypted with the age key from the configured variable, and is nowhere else in clear', async () => {
    const cut = await drover(['cut']);
    expect(cut.code).toBe(0);
    expect(cut.json.cut.map((c: { bundle: string; version: string }) => `${c.bundle}@${c.version}`)).toEqual([
      `${bundle}@1.0.0`,
    ]);
    const show = await drover(['show', `${bundle}@1.0.0`]);
    expect(show.json.config.members.map((m: { kind: string; name: string }) => `${m.kind}/${m.name}`)).toContain(
      'Secret/db',
    );

    const d = await drover(['deploy', `${bundle}@1.0.0`, '--env', 'dev']);
    expect(d.code, JSON.stringify(d.json)).toBe(0);
    expect(d.json.clusters[0].state).toBe('succeeded');
    const live = JSON.parse(await kubectlOn(env, c1, ['get', 'secret', 'db', '-n', ns, '-o', 'json'])) as {
      data: { password: string };
      sops?: unknown;
      metadata: { labels: Record<string, string> };
    };
    expect(Buffer.from(live.data.password, 'base64').toString()).toBe(canary);
    expect(live.sops).toBeUndefined();
    expect(live.metadata.labels['drover.dev/bundle']).toBe(bundle);

    // A second version re-encrypts a new value; diff shows the Secret changed without the values.
    writeApp(work, `${canary}-v2`, 'debug');
    await git(work, ['commit', '--quiet', '-am', 'rotate the password']);
    await git(work, ['push', '--quiet', 'origin', 'HEAD:main']);
    expect((await drover(['cut'])).json.cut.map((c: { version: string }) => c.version)).toEqual(['1.0.1']);
    const diff = await drover(['diff', `${bundle}@1.0.0`, `${bundle}@1.0.1`]);
    expect(diff.code).toBe(0);
    expect((await drover(['deploy', `${bundle}@1.0.1`, '--env', 'dev'])).code).toBe(0);
    const rotated = JSON.parse(
      await kubectlOn(env, c1, ['get', 'secret', 'db', '-n', ns, '-o', 'jsonpath={.data}']),
    ) as { password: string };
    expect(Buffer.from(rotated.password, 'base64').toString()).toBe(`${canary}-v2`);
    expect((await drover(['history', bundle])).code).toBe(0);
    expect((await drover(['status'])).code).toBe(0);

    // Without the key the deploy refuses and says where the key should come from.
    const noKey = await execFileP(
      process.execPath,
      [cli, 'deploy', `${bundle}@1.0.0`, '--env', 'dev', '--output', 'json'],
      { cwd: ws, env: { ...process.env, DROVER_AGE_KEY: '' } },
    ).catch((e: { code: number; stdout: string }) => e);
    expect((noKey as { code: number }).code).toBe(4);
    expect(JSON.parse((noKey as { stdout: string }).stdout).error.message).toMatch(
      /age key.*ageKey for environment dev/,
    );

    // The canary is nowhere but the cluster.
    expect(outputs.join('\n')).not.toContain(canary);
    expect(filesContaining(ws, canary)).toEqual([]);
    expect(filesContaining(childTmp, canary)).toEqual([]);
    expect(filesContaining(env.registry.storage, canary)).toEqual([]);
    const inventory = await kubectlOn(env, c1, [
      'get',
      'configmap',
      `inventory-${bundle}`,
      '-n',
      'drover-system',
      '-o',
      'json',
    ]);
    expect(inventory).not.toContain(canary);
  });
});

// A ConfigMap encrypted with the real sops CLI (not a Secret: any kind can
// be), cut, deployed to a real cluster and changed in a second version,
// through the real CLI: every place that shows a member's values shows `***`
// for it, and the plaintext appears in none of them: the version diff, the
// cluster diff (which diffs the member decrypted, as it would be applied),
// the dry-run plan of a deploy, and a drift finding after an out-of-band
// edit. The CLI, the API and the dashboard call the same library verbs.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
const scratch = mkdtempSync(join(tmpdir(), 'drover-sops-masking-'));
const ns = uniqueName('sopsmask');
const bundle = uniqueName('masked');
const canary = `canary-${uniqueName('pw')}`;
const outputs: string[] = [];
let ws: string;
let work: string;
let identity: string;
let recipient: string;
let drop: () => Promise<void>;

const sopsBin = () =>
  [join(homedir(), 'go', 'bin', 'sops'), ...(process.env.PATH ?? '').split(':').map((p) => join(p, 'sops'))].find((c) =>
    existsSync(c),
  )!;

async function drover(args: string[]) {
  const opts = { cwd: ws, env: { ...process.env, DROVER_AGE_KEY: identity } };
  try {
    const r = await execFileP(process.execPath, [cli, ...args, '--output', 'json'], opts);
    outputs.push(r.stdout, r.stderr);
    return { code: 0, json: JSON.parse(r.stdout), text: r.stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    outputs.push(e.stdout, e.stderr);
    return { code: e.code, json: e.stdout ? JSON.parse(e.stdout) : { stderr: e.stderr }, text: e.stdout };
  }
}

/** The app: a Bundle rooted at a ConfigMap that sops encrypts (its data only, as `--encrypted-regex '^data$'`). */
function writeApp(dir: string, password: string): void {
  mkdirSync(join(dir, 'app'), { recursive: true });
  const plain = join(scratch, 'cm.plain.yaml');
  writeFileSync(
    plain,
    stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'app-config', namespace: ns },
      data: { password, mode: 'strict' },
    }),
  );
  const encrypted = execFileSync(
    sopsBin(),
    [
      '--encrypt',
      '--age',
      recipient,
      '--encrypted-regex',
      '^data$',
      '--input-type',
      'yaml',
      '--output-type',
      'yaml',
      plain,
    ],
    { encoding: 'utf8' },
  );
  rmSync(plain);
  writeFileSync(join(dir, 'app', 'cm.yaml'), encrypted);
  writeFileSync(
    join(dir, 'app', 'bundle.yaml'),
    stringify({
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Bundle',
      metadata: { name: bundle },
      spec: { namespace: ns, roots: [{ kind: 'ConfigMap', name: 'app-config' }] },
    }),
  );
}

/** Every `before`/`after`/`desired`/`live` value in a JSON answer. */
function shownValues(json: unknown): unknown[] {
  const out: unknown[] = [];
  const walk = (x: unknown) => {
    if (Array.isArray(x)) return x.forEach(walk);
    if (typeof x !== 'object' || x === null) return;
    for (const [k, v] of Object.entries(x)) {
      if (['before', 'after', 'desired', 'live'].includes(k) && (typeof v !== 'object' || v === null)) out.push(v);
      else walk(v);
    }
  };
  walk(json);
  return out;
}

beforeAll(async () => {
  identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
  drop = await createNamespace(env, ns, [c1]);
  const seed = join(scratch, 'seed');
  writeApp(seed, canary);
  const url = await createRepo(env.git, { name: uniqueName('sopsmask'), fixtureDir: seed });
  work = join(scratch, 'work');
  await git(scratch, ['clone', '--quiet', url, work]);
  ws = mkdtempSync(join(scratch, 'ws-'));
  writeFileSync(
    join(ws, 'drover.yaml'),
    stringify({
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Config',
      sources: [{ name: 'apps', url }],
      registry: `oci://${env.registry.host}/${uniqueName('sopsmask')}`,
      kubeconfig: env.kubeconfig,
      clusters: [{ name: 'c1' }],
      environments: [{ name: 'dev', clusters: ['c1'], ageKey: { env: 'DROVER_AGE_KEY' }, timeoutSeconds: 90 }],
      drift: { selfHeal: 'report' },
    }),
  );
});
afterAll(async () => {
  await drop?.();
  rmSync(scratch, { recursive: true, force: true });
});

describe('a SOPS-encrypted ConfigMap', () => {
  it('shows *** in the version diff, the cluster diff, the dry-run plan and drift; its plaintext nowhere', async () => {
    expect((await drover(['cut'])).code).toBe(0);
    const deployed = await drover(['deploy', `${bundle}@1.0.0`, '--env', 'dev']);
    expect(deployed.code, deployed.text).toBe(0);
    const live = JSON.parse(await kubectlOn(env, c1, ['get', 'configmap', 'app-config', '-n', ns, '-o', 'json'])) as {
      data: Record<string, string>;
    };
    expect(live.data.password).toBe(canary);

    writeApp(work, `${canary}-v2`);
    await git(work, ['commit', '--quiet', '-am', 'rotate the password']);
    await git(work, ['push', '--quiet', 'origin', 'HEAD:main']);
    expect((await drover(['cut'])).json.cut.map((c: { version: string }) => c.version)).toEqual(['1.0.1']);

    const versions = await drover(['diff', `${bundle}@1.0.0`, `${bundle}@1.0.1`]);
    expect(versions.code).toBe(0);
    const fields = versions.json.changed[0].fields as { path: string }[];
    expect(fields.map((f) => f.path)).toEqual(expect.arrayContaining(['data.password']));
    expect(new Set(shownValues(versions.json))).toEqual(new Set(['***']));

    const cluster = await drover(['diff', `${bundle}@1.0.1`, '--cluster', 'c1']);
    expect(cluster.code, cluster.text).toBe(0);
    expect(cluster.json.changed.map((m: { fields: { path: string }[] }) => m.fields.map((f) => f.path))).toEqual([
      ['data.password'],
    ]);
    expect(new Set(shownValues(cluster.json))).toEqual(new Set(['***']));

    const plan = await drover(['deploy', `${bundle}@1.0.1`, '--env', 'dev', '--dry-run']);
    expect(plan.code, plan.text).toBe(0);
    expect(plan.text).toContain('data.password');
    expect(new Set(shownValues(plan.json))).toEqual(new Set(['***']));

    await kubectlOn(env, c1, ['patch', 'configmap', 'app-config', '-n', ns, '-p', '{"data":{"mode":"loose-xyzzy"}}']);
    const drift = await drover(['drift']);
    const finding = (drift.json.findings as { bundle: string; fields: { path: string }[] }[]).find(
      (f) => f.bundle === bundle,
    );
    expect(finding?.fields.map((f) => f.path)).toEqual(['data.mode']);
    expect(new Set(shownValues(finding))).toEqual(new Set(['***']));

    const everything = outputs.join('\n');
    expect(everything).not.toContain(canary);
    expect(everything).not.toContain('loose-xyzzy');
  });
});

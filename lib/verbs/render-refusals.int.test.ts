// What a kustomize bundle's cut refuses, each with a real kustomization, the
// real kustomize (or, for the hang, a renderer that hangs: real kustomize
// cannot be made to on demand) and the real sops CLI for the encrypted
// inputs, through the real CLI, Git server and registry. Each refusal names
// the bundle, the file and the reason; nothing is cut for that bundle; a
// plain bundle beside it in the same repository is still cut (exit 3).
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createRepo } from '../../fixtures/testenv/git-server.ts';
import { testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';

const execFileP = promisify(execFile);
const env = testEnv();
const cli = join(import.meta.dirname, '..', '..', 'cmd', 'drover.ts');
const scratch = mkdtempSync(join(tmpdir(), 'drover-render-refusals-'));
let recipient: string;
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
beforeAll(async () => {
  recipient = await identityToRecipient(await generateX25519Identity());
});

const sopsBin = () => [join(homedir(), 'go', 'bin', 'sops'), ...(process.env.PATH ?? '').split(':').map((p) => join(p, 'sops'))].find((c) => existsSync(c))!;
const encrypt = (text: string, type: 'yaml' | 'dotenv', extra: string[] = []) => {
  const plain = join(scratch, `plain-${uniqueName('s')}.${type === 'yaml' ? 'yaml' : 'env'}`);
  writeFileSync(plain, text);
  try {
    return execFileSync(sopsBin(), ['--encrypt', '--age', recipient, ...(type === 'yaml' ? ['--encrypted-regex', '^(data|stringData)$'] : []), ...extra, '--input-type', type, '--output-type', type, plain], { encoding: 'utf8' });
  } finally {
    rmSync(plain);
  }
};
const secretYaml = (name: string) => stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, type: 'Opaque', stringData: { password: 'hunter2-canary' } });

const good = {
  'good/bundle.yaml': stringify({ apiVersion: 'drover.dev/v1alpha1', kind: 'Bundle', metadata: { name: 'good' }, spec: { namespace: 'shop', roots: [{ kind: 'ConfigMap', name: 'good' }] } }),
  'good/cm.yaml': stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'good', namespace: 'shop' }, data: { a: 'b' } }),
};
const bad = (kustomization: Record<string, unknown>, files: Record<string, string> = {}) => ({
  'bad/bundle.yaml': stringify({ apiVersion: 'drover.dev/v1alpha1', kind: 'Bundle', metadata: { name: 'bad' }, spec: { kustomize: { path: 'bad/k' } } }),
  'bad/k/kustomization.yaml': stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', ...kustomization }),
  ...Object.fromEntries(Object.entries(files).map(([p, t]) => [`bad/k/${p}`, t])),
});

async function cutRepo(files: Record<string, string>, render: Record<string, unknown> = {}) {
  const seed = join(scratch, uniqueName('seed'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(seed, p)), { recursive: true });
    writeFileSync(join(seed, p), text);
  }
  const url = await createRepo(env.git, { name: uniqueName('refuse'), fixtureDir: seed });
  const ws = mkdtempSync(join(scratch, 'ws-'));
  writeFileSync(join(ws, 'drover.yaml'), stringify({ apiVersion: 'drover.dev/v1alpha1', kind: 'Config', sources: [{ name: 'apps', url }], registry: `oci://${env.registry.host}/${uniqueName('refuse')}`, render: { kustomize: render } }));
  try {
    const r = await execFileP(process.execPath, [cli, 'cut', '--output', 'json'], { cwd: ws });
    return { code: 0, json: JSON.parse(r.stdout), ws };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, json: JSON.parse(e.stdout), ws };
  }
}

describe('kustomize bundles the cut refuses', () => {
  const hang = join(scratch, 'hanging-kustomize');
  beforeAll(() => {
    // Answers `version` like kustomize, then hangs on `build`.
    writeFileSync(hang, '#!/bin/sh\nif [ "$1" = version ]; then echo v5.8.1; exit 0; fi\nexec sleep 60\n');
    chmodSync(hang, 0o755);
  });

  it.each([
    ['a remote base', () => bad({ resources: ['github.com/acme/base?ref=v1.0.0'] }), {}, /bad\/k\/kustomization\.yaml: loads the remote "github\.com\/acme\/base\?ref=v1\.0\.0"/],
    ['a path that leaves the repository', () => bad({ resources: ['../../../outside'] }), {}, /bad\/k\/kustomization\.yaml: "\.\.\/\.\.\/\.\.\/outside" leaves the repository/],
    ['a renderer that hangs', () => bad({ resources: ['cm.yaml'] }, { 'cm.yaml': stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }) }), { binary: hang, timeoutSeconds: 1 }, /bundle bad \(kustomize build bad\/k\): .*hanging-kustomize did not finish within 1 s/],
    ['output over the cap', () => bad({ resources: ['cm.yaml'] }, { 'cm.yaml': stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { blob: 'x'.repeat(5000) } }) }), { maxOutputBytes: 2048 }, /kustomize wrote more than 2048 bytes \(the output cap\)/],
    ['a secretGenerator over a SOPS-encrypted file', () => bad({ secretGenerator: [{ name: 'creds', envs: ['creds.env'] }] }, { 'creds.env': encrypt('PASSWORD=hunter2-canary\n', 'dotenv') }), {}, /secretGenerator creds reads bad\/k\/creds\.env, which is SOPS-encrypted/],
    ['an encrypted Secret that Kustomize changes', () => bad({ namespace: 'shop', resources: ['secret.yaml'] }, { 'secret.yaml': encrypt(secretYaml('db'), 'yaml') }), {}, /Secret\/shop\/db is SOPS-encrypted and Kustomize changed it from bad\/k\/secret\.yaml .*its MAC would fail at apply time/],
  ] as [string, () => Record<string, string>, Record<string, unknown>, RegExp][])('refuses %s, naming the bundle, file and reason; the other bundle is cut', async (_what, files, render, message) => {
    const r = await cutRepo({ ...good, ...files() }, render);
    expect(r.code).toBe(3);
    expect(r.json.cut.map((c: { bundle: string }) => c.bundle)).toEqual(['good']);
    expect(r.json.failed).toEqual([{ bundle: 'bad', error: expect.objectContaining({ message: expect.stringMatching(message) }) }]);
    expect(r.json.error.message).toMatch(message);
    expect(JSON.stringify(r.json)).not.toContain('hunter2-canary');
  });

  it('takes an encrypted Secret Kustomize leaves as it is, keeping it encrypted, in its file\'s key order', async () => {
    const encrypted = encrypt(secretYaml('db').replace('metadata:\n  name: db', 'metadata:\n  name: db\n  namespace: shop'), 'yaml');
    const r = await cutRepo({ ...good, ...bad({ resources: ['secret.yaml'] }, { 'secret.yaml': encrypted }) });
    expect(r.json.error).toBeUndefined();
    expect(r.code).toBe(0);
    expect(r.json.cut.map((c: { bundle: string }) => c.bundle).sort()).toEqual(['bad', 'good']);
    const shown = JSON.parse((await execFileP(process.execPath, [cli, 'show', 'bad@1.0.0', '--output', 'json'], { cwd: r.ws })).stdout) as { config: { members: { kind: string }[] } };
    expect(shown.config.members.map((m) => m.kind)).toEqual(['Secret']);
  });

  it('accepts an encrypted Secret Kustomize changes when it was encrypted with --mac-only-encrypted', async () => {
    const r = await cutRepo({ ...good, ...bad({ namespace: 'shop', resources: ['secret.yaml'] }, { 'secret.yaml': encrypt(secretYaml('db'), 'yaml', ['--mac-only-encrypted']) }) });
    expect(r.code).toBe(0);
    expect(r.json.cut.map((c: { bundle: string }) => c.bundle).sort()).toEqual(['bad', 'good']);
  });
});

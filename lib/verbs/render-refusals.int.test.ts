// What a kustomize or helm bundle's cut refuses, each with a real
// kustomization or chart, the real kustomize (or, for the hang, a renderer
// that hangs: real kustomize cannot be made to on demand) and helm (whose
// hang is a real template that loops), and the real sops CLI for the
// encrypted inputs, through the real CLI, Git server and registry. Each
// refusal names the bundle, the file and the reason; nothing is cut for that
// bundle; a plain bundle beside it in the same repository is still cut
// (exit 3).
import { execFile, execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
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

const sopsBin = () =>
  [join(homedir(), 'go', 'bin', 'sops'), ...(process.env.PATH ?? '').split(':').map((p) => join(p, 'sops'))].find((c) =>
    existsSync(c),
  )!;
const encrypt = (text: string, type: 'yaml' | 'dotenv', extra: string[] = []) => {
  const plain = join(scratch, `plain-${uniqueName('s')}.${type === 'yaml' ? 'yaml' : 'env'}`);
  writeFileSync(plain, text);
  try {
    return execFileSync(
      sopsBin(),
      [
        '--encrypt',
        '--age',
        recipient,
        ...(type === 'yaml' ? ['--encrypted-regex', '^(data|stringData)$'] : []),
        ...extra,
        '--input-type',
        type,
        '--output-type',
        type,
        plain,
      ],
      { encoding: 'utf8' },
    );
  } finally {
    rmSync(plain);
  }
};
const secretYaml = (name: string) =>
  stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name },
    type: 'Opaque',
    stringData: { password: 'hunter2-canary' },
  });

const good = {
  'good/bundle.yaml': stringify({
    apiVersion: 'drover.dev/v1alpha1',
    kind: 'Bundle',
    metadata: { name: 'good' },
    spec: { namespace: 'shop', roots: [{ kind: 'ConfigMap', name: 'good' }] },
  }),
  'good/cm.yaml': stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'good', namespace: 'shop' },
    data: { a: 'b' },
  }),
};
const bad = (kustomization: Record<string, unknown>, files: Record<string, string> = {}) => ({
  'bad/bundle.yaml': stringify({
    apiVersion: 'drover.dev/v1alpha1',
    kind: 'Bundle',
    metadata: { name: 'bad' },
    spec: { kustomize: { path: 'bad/k' } },
  }),
  'bad/k/kustomization.yaml': stringify({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    ...kustomization,
  }),
  ...Object.fromEntries(Object.entries(files).map(([p, t]) => [`bad/k/${p}`, t])),
});

async function cutRepo(
  files: Record<string, string | Uint8Array | { symlink: string }>,
  render: Record<string, unknown> = {},
  renderer: 'kustomize' | 'helm' = 'kustomize',
) {
  const seed = join(scratch, uniqueName('seed'));
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(dirname(join(seed, p)), { recursive: true });
    if (typeof content === 'object' && 'symlink' in content) symlinkSync(content.symlink, join(seed, p));
    else writeFileSync(join(seed, p), content);
  }
  const url = await createRepo(env.git, { name: uniqueName('refuse'), fixtureDir: seed });
  const ws = mkdtempSync(join(scratch, 'ws-'));
  writeFileSync(
    join(ws, 'drover.yaml'),
    stringify({
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Config',
      sources: [{ name: 'apps', url }],
      registry: `oci://${env.registry.host}/${uniqueName('refuse')}`,
      render: { [renderer]: render },
    }),
  );
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
    [
      'a remote base',
      () => bad({ resources: ['github.com/acme/base?ref=v1.0.0'] }),
      {},
      /bad\/k\/kustomization\.yaml: resources\[0\] github\.com\/acme\/base\?ref=v1\.0\.0: remote reference refused \(render\.allowRemote is never/,
    ],
    [
      'a path that leaves the repository',
      () => bad({ resources: ['../../../outside'] }),
      {},
      /bad\/k\/kustomization\.yaml: resources\[0\] "\.\.\/\.\.\/\.\.\/outside" leaves the repository/,
    ],
    [
      'a renderer that hangs',
      () =>
        bad(
          { resources: ['cm.yaml'] },
          { 'cm.yaml': stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }) },
        ),
      { binary: hang, timeoutSeconds: 1 },
      /bundle bad \(kustomize build bad\/k\): .*hanging-kustomize did not finish within 1 s/,
    ],
    [
      'output over the cap',
      () =>
        bad(
          { resources: ['cm.yaml'] },
          {
            'cm.yaml': stringify({
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name: 'big' },
              data: { blob: 'x'.repeat(5000) },
            }),
          },
        ),
      { maxOutputBytes: 2048 },
      /kustomize wrote more than 2048 bytes \(render\.kustomize\.maxOutputBytes\)/,
    ],
    [
      'a secretGenerator over a SOPS-encrypted file',
      () =>
        bad(
          { secretGenerator: [{ name: 'creds', envs: ['creds.env'] }] },
          { 'creds.env': encrypt('PASSWORD=hunter2-canary\n', 'dotenv') },
        ),
      {},
      /secretGenerator creds reads bad\/k\/creds\.env, which is SOPS-encrypted/,
    ],
    [
      'an encrypted Secret that Kustomize changes',
      () =>
        bad({ namespace: 'shop', resources: ['secret.yaml'] }, { 'secret.yaml': encrypt(secretYaml('db'), 'yaml') }),
      {},
      /Secret\/shop\/db is SOPS-encrypted and Kustomize changed it from bad\/k\/secret\.yaml .*its MAC would fail at apply time/,
    ],
  ] as [string, () => Record<string, string>, Record<string, unknown>, RegExp][])(
    'refuses %s, naming the bundle, file and reason; the other bundle is cut',
    async (_what, files, render, message) => {
      const r = await cutRepo({ ...good, ...files() }, render);
      expect(r.code).toBe(3);
      expect(r.json.cut.map((c: { bundle: string }) => c.bundle)).toEqual(['good']);
      expect(r.json.failed).toEqual([
        { bundle: 'bad', error: expect.objectContaining({ message: expect.stringMatching(message) }) },
      ]);
      expect(r.json.error.message).toMatch(message);
      expect(JSON.stringify(r.json)).not.toContain('hunter2-canary');
    },
  );

  it("takes an encrypted Secret Kustomize leaves as it is, keeping it encrypted, in its file's key order", async () => {
    const encrypted = encrypt(
      secretYaml('db').replace('metadata:\n  name: db', 'metadata:\n  name: db\n  namespace: shop'),
      'yaml',
    );
    const r = await cutRepo({ ...good, ...bad({ resources: ['secret.yaml'] }, { 'secret.yaml': encrypted }) });
    expect(r.json.error).toBeUndefined();
    expect(r.code).toBe(0);
    expect(r.json.cut.map((c: { bundle: string }) => c.bundle).sort()).toEqual(['bad', 'good']);
    const shown = JSON.parse(
      (await execFileP(process.execPath, [cli, 'show', 'bad@1.0.0', '--output', 'json'], { cwd: r.ws })).stdout,
    ) as { config: { members: { kind: string }[] } };
    expect(shown.config.members.map((m) => m.kind)).toEqual(['Secret']);
  });

  it('gives a generator a binary file as bytes: a configMapGenerator over a PNG is cut', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xfe, 0x00, 0x01]);
    const r = await cutRepo({
      ...good,
      ...bad({
        namespace: 'shop',
        configMapGenerator: [{ name: 'logo', files: ['logo.png'], options: { disableNameSuffixHash: true } }],
      }),
      'bad/k/logo.png': png,
    });
    expect(r.json.failed).toEqual([]);
    expect(r.code).toBe(0);
    const shown = JSON.parse(
      (await execFileP(process.execPath, [cli, 'show', 'bad@1.0.0', '--output', 'json'], { cwd: r.ws })).stdout,
    ) as { config: { members: { kind: string; name: string }[] } };
    expect(shown.config.members.map((m) => `${m.kind}/${m.name}`)).toEqual(['ConfigMap/logo']);
  });

  it('accepts an encrypted Secret Kustomize changes when it was encrypted with --mac-only-encrypted', async () => {
    const r = await cutRepo({
      ...good,
      ...bad(
        { namespace: 'shop', resources: ['secret.yaml'] },
        { 'secret.yaml': encrypt(secretYaml('db'), 'yaml', ['--mac-only-encrypted']) },
      ),
    });
    expect(r.code).toBe(0);
    expect(r.json.cut.map((c: { bundle: string }) => c.bundle).sort()).toEqual(['bad', 'good']);
  });
});

const helmChart = (
  helm: Record<string, unknown>,
  files: Record<string, string | Uint8Array | { symlink: string }>,
  targets: Record<string, unknown>[] = [{ name: 'dev' }],
) => ({
  'hbad/bundle.yaml': stringify({
    apiVersion: 'drover.dev/v1alpha1',
    kind: 'Bundle',
    metadata: { name: 'hbad' },
    spec: { namespace: 'shop', helm: { chart: 'hbad/chart', ...helm }, targets },
  }),
  'hbad/chart/Chart.yaml': stringify({ apiVersion: 'v2', name: 'hbad', version: '0.1.0' }),
  ...Object.fromEntries(Object.entries(files).map(([p, t]) => [`hbad/chart/${p}`, t])),
});
const configMap = (name: string, data: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata:\n${data}\n`;
const helmBin = () =>
  [join(homedir(), 'go', 'bin', 'helm'), ...(process.env.PATH ?? '').split(':').map((p) => join(p, 'helm'))].find((c) =>
    existsSync(c),
  )!;
/** A chart packaged by the real `helm package`, as `helm dependency build` vendors it into charts/. */
const packaged = (name: string, templates: Record<string, string>) => {
  const dir = join(scratch, uniqueName('pkg'), name);
  mkdirSync(join(dir, 'templates'), { recursive: true });
  writeFileSync(join(dir, 'Chart.yaml'), stringify({ apiVersion: 'v2', name, version: '1.2.3' }));
  for (const [p, t] of Object.entries(templates)) writeFileSync(join(dir, 'templates', p), t);
  execFileSync(helmBin(), ['package', dir, '--destination', dirname(dir)], {
    env: { PATH: process.env.PATH ?? '', HOME: scratch },
  });
  return new Uint8Array(readFileSync(join(dirname(dir), `${name}-1.2.3.tgz`)));
};
const withDependency = (tgz: Uint8Array) => ({
  'Chart.yaml': stringify({
    apiVersion: 'v2',
    name: 'hbad',
    version: '0.1.0',
    dependencies: [{ name: 'sub', version: '1.2.3', repository: 'https://charts.example.com' }],
  }),
  'charts/sub-1.2.3.tgz': tgz,
});

describe('helm bundles the cut refuses', () => {
  const refusals: [
    string,
    () => Record<string, string | Uint8Array | { symlink: string }>,
    Record<string, unknown>,
    RegExp,
  ][] = [
    [
      'a template that calls lookup',
      () =>
        helmChart(
          {},
          {
            'templates/cm.yaml': configMap(
              'x',
              '  ns: {{ (lookup "v1" "Namespace" "" "shop").metadata.name | quote }}',
            ),
          },
        ),
      {},
      /bundle hbad, target dev \(helm template hbad\/chart\): hbad\/chart\/templates\/cm\.yaml:5: calls lookup/,
    ],
    [
      'lookup in a vendored subchart archive',
      () =>
        helmChart(
          {},
          withDependency(
            packaged('sub', { 'cm.yaml': configMap('sub', '  a: {{ lookup "v1" "Secret" "shop" "db" | quote }}') }),
          ),
        ),
      {},
      /hbad\/chart\/charts\/sub-1\.2\.3\.tgz:sub\/templates\/cm\.yaml:5: calls lookup/,
    ],
    [
      'randAlphaNum (two renders differ)',
      () => helmChart({}, { 'templates/cm.yaml': configMap('token', '  token: {{ randAlphaNum 16 | quote }}') }),
      {},
      /two renders differ in ConfigMap\/token \(hbad\/chart\/templates\/cm\.yaml: data\.token\): the chart is not deterministic/,
    ],
    [
      'a values file outside the repository',
      () =>
        helmChart({}, { 'templates/cm.yaml': configMap('x', '  a: b') }, [
          { name: 'dev', values: ['../outside.yaml'] },
        ]),
      {},
      /bundle hbad, target dev \(helm template hbad\/chart\): values file "\.\.\/outside\.yaml" leaves the repository/,
    ],
    [
      'a values file that links out of the repository',
      () =>
        helmChart(
          {},
          { 'templates/cm.yaml': configMap('x', '  a: b'), 'values-dev.yaml': { symlink: '../../../../etc/hostname' } },
          [{ name: 'dev', values: ['hbad/chart/values-dev.yaml'] }],
        ),
      {},
      /\(helm template hbad\/chart\): hbad\/chart\/values-dev\.yaml: symlink points .*outside the repository/,
    ],
    [
      'a SOPS-encrypted values file',
      () =>
        helmChart(
          {},
          {
            'templates/cm.yaml': configMap('x', '  a: b'),
            'values-dev.yaml': encrypt('password: hunter2-canary\n', 'yaml', ['--encrypted-regex', '^password$']),
          },
          [{ name: 'dev', values: ['hbad/chart/values-dev.yaml'] }],
        ),
      {},
      /values file hbad\/chart\/values-dev\.yaml is SOPS-encrypted/,
    ],
    [
      'a render that hangs',
      () =>
        helmChart(
          {},
          {
            'templates/cm.yaml': `{{- range $i := until 100000 }}{{- range $j := until 100000 }}{{- end }}{{- end }}\n${configMap('x', '  a: b')}`,
          },
        ),
      { timeoutSeconds: 1 },
      /\(helm template hbad\/chart\): .*helm did not finish within 1 s/,
    ],
    [
      'a chart dependency that would be fetched',
      () =>
        helmChart(
          {},
          {
            'Chart.yaml': stringify({
              apiVersion: 'v2',
              name: 'hbad',
              version: '0.1.0',
              dependencies: [{ name: 'redis', version: '17.0.0', repository: 'https://charts.bitnami.com/bitnami' }],
            }),
            'templates/cm.yaml': configMap('x', '  a: b'),
          },
        ),
      {},
      /hbad\/chart\/Chart\.yaml: dependencies\[0\]\.repository https:\/\/charts\.bitnami\.com\/bitnami: remote reference refused \(render\.allowRemote is never.*\): dependency redis 17\.0\.0 \(https:\/\/charts\.bitnami\.com\/bitnami\) is not vendored in hbad\/chart\/charts\/, so helm would fetch it/,
    ],
    [
      'a hook, by default',
      () =>
        helmChart(
          {},
          {
            'templates/job.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: migrate\n  annotations: {"helm.sh/hook": pre-install}\n`,
          },
        ),
      {},
      /hbad\/chart\/templates\/job\.yaml: ConfigMap\/migrate is a Helm hook \(helm\.sh\/hook: pre-install\)/,
    ],
  ];
  it.each(refusals)(
    'refuses %s, naming the bundle, file and reason; the other bundle is cut',
    async (_what, files, render, message) => {
      const r = await cutRepo({ ...good, ...files() }, render, 'helm');
      expect(r.code).toBe(3);
      expect(r.json.cut.map((c: { bundle: string }) => c.bundle)).toEqual(['good']);
      expect(r.json.failed).toEqual([
        { bundle: 'hbad', error: expect.objectContaining({ message: expect.stringMatching(message) }) },
      ]);
      expect(JSON.stringify(r.json)).not.toContain('hunter2-canary');
    },
  );

  it('renders a vendored subchart archive; hooks: apply keeps a hook as a plain member, hooks: skip leaves it out', async () => {
    const hook = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: migrate\n  annotations: {"helm.sh/hook": pre-install}\n`;
    const files = {
      ...withDependency(packaged('sub', { 'cm.yaml': configMap('sub', '  from: subchart') })),
      'templates/hook.yaml': hook,
    };
    const members = async (hooks: string) => {
      const r = await cutRepo({ ...good, ...helmChart({ hooks }, files) }, {}, 'helm');
      expect(r.json.failed).toEqual([]);
      expect(r.code).toBe(0);
      const shown = JSON.parse(
        (await execFileP(process.execPath, [cli, 'show', 'hbad@1.0.0', '--output', 'json'], { cwd: r.ws })).stdout,
      ) as { config: { targets: { members: { kind: string; name: string }[] }[] } };
      return shown.config.targets[0]!.members.map((m) => `${m.kind}/${m.name}`).sort();
    };
    expect(await members('apply')).toEqual(['ConfigMap/migrate', 'ConfigMap/sub']);
    expect(await members('skip')).toEqual(['ConfigMap/sub']);
  });
});

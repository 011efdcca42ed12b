// The render's output cap is the cap on the whole render, through the real
// CLI, the real kustomize binary, a repository on the Git server and the
// real registry: a kustomization of eight files of two CRDs each, every
// CRD with an OpenAPI schema of about 1.5 MiB (each file under the 4 MiB a
// Git file may be, over 20 MiB rendered), is cut and pushed whole, and ORAS
// pulls its layer back (and `stat` shows the state and render cache files
// 0600, their folder 0700); with render.kustomize.maxOutputBytes below the
// render's size the same bundle is refused naming that setting.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createRepo } from '../../fixtures/testenv/git-server.ts';
import { testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';

const execFileP = promisify(execFile);
const env = testEnv();
const cli = join(import.meta.dirname, '..', '..', 'cmd', 'drover.ts');
const scratch = mkdtempSync(join(tmpdir(), 'drover-output-cap-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A CRD whose schema has 1000 documented properties of about 1 KiB each. */
function crd(i: number): Record<string, unknown> {
  const properties = Object.fromEntries(
    Array.from({ length: 1000 }, (_, p) => [
      `field${p}`,
      { type: 'string', description: `Field ${p} of widget ${i}. ${'Lorem ipsum dolor sit amet. '.repeat(36)}` },
    ]),
  );
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `widgets${i}.example.com` },
    spec: {
      group: 'example.com',
      names: { kind: `Widget${i}`, plural: `widgets${i}`, singular: `widget${i}`, listKind: `Widget${i}List` },
      scope: 'Namespaced',
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties } } } },
        },
      ],
    },
  };
}

function crdRepo(): Record<string, string> {
  const files: Record<string, string> = {
    'crds/bundle.yaml': stringify({
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Bundle',
      metadata: { name: 'crds' },
      spec: { kustomize: { path: 'crds/k' } },
    }),
  };
  const resources: string[] = [];
  for (let f = 0; f < 8; f++) {
    resources.push(`crds-${f}.yaml`);
    files[`crds/k/crds-${f}.yaml`] = [0, 1].map((c) => stringify(crd(f * 2 + c))).join('---\n');
  }
  files['crds/k/kustomization.yaml'] = stringify({ resources });
  return files;
}

async function cutRepo(files: Record<string, string>, render: Record<string, unknown>) {
  const seed = join(scratch, uniqueName('seed'));
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(dirname(join(seed, p)), { recursive: true });
    writeFileSync(join(seed, p), content);
  }
  const url = await createRepo(env.git, { name: uniqueName('cap'), fixtureDir: seed });
  const ws = mkdtempSync(join(scratch, 'ws-'));
  const repository = `${env.registry.host}/${uniqueName('cap')}`;
  writeFileSync(
    join(ws, 'drover.yaml'),
    stringify({
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Config',
      sources: [{ name: 'apps', url }],
      registry: `oci://${repository}`,
      render: { kustomize: render },
    }),
  );
  try {
    const r = await execFileP(process.execPath, [cli, 'cut', '--output', 'json'], {
      cwd: ws,
      maxBuffer: 64 << 20,
    });
    return { code: 0, json: JSON.parse(r.stdout), ws, repository };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, json: JSON.parse(e.stdout), ws, repository };
  }
}

const orasBin = () => [join(homedir(), 'go', 'bin', 'oras'), '/usr/local/bin/oras'].find((c) => existsSync(c))!;

describe('the render output cap', () => {
  const files = crdRepo();
  const inputBytes = Object.values(files).reduce((n, t) => n + Buffer.byteLength(t), 0);

  it('cuts a CRD-heavy render of over 20 MiB whole, to the registry', async () => {
    expect(inputBytes).toBeGreaterThan(20 << 20);
    for (const t of Object.values(files)) expect(Buffer.byteLength(t)).toBeLessThan(4 << 20);
    const r = await cutRepo(files, {});
    expect(r.json.failed).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.json.cut).toEqual([expect.objectContaining({ bundle: 'crds', version: '1.0.0' })]);
    const shown = JSON.parse(
      (await execFileP(process.execPath, [cli, 'show', 'crds@1.0.0', '--output', 'json'], { cwd: r.ws })).stdout,
    ) as { config: { members: { kind: string }[] } };
    expect(shown.config.members.map((m) => m.kind)).toEqual(Array(16).fill('CustomResourceDefinition'));
    // An independent client pulls the version back from the registry: every member, all of the render.
    const pulled = mkdtempSync(join(scratch, 'pulled-'));
    await execFileP(orasBin(), ['pull', '--plain-http', `${r.repository}/crds:1.0.0`, '-o', pulled]);
    const sizes = (dir: string): number =>
      readdirSync(dir).reduce((n, f) => {
        const p = join(dir, f);
        return n + (statSync(p).isDirectory() ? sizes(p) : statSync(p).size);
      }, 0);
    expect(sizes(pulled)).toBeGreaterThan(15 << 20);
    // What the cut left on disk is private: the state folder it made, the database and its WAL files, the render cache.
    const state = join(r.ws, '.drover');
    const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
    expect(mode(state)).toBe('700');
    for (const f of ['state.db', 'state.db-wal', 'state.db-shm'].filter((f) => existsSync(join(state, f))))
      expect([f, mode(join(state, f))]).toEqual([f, '600']);
    expect(existsSync(join(state, 'state.db'))).toBe(true);
    const cache = join(state, 'render-cache');
    const entries = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? entries(join(dir, f)) : [join(dir, f)]));
    expect(entries(cache).length).toBeGreaterThan(0);
    for (const f of entries(cache)) expect([f, mode(f)]).toEqual([f, '600']);
  });

  it('refuses the same render over a lower cap, naming the setting', async () => {
    const r = await cutRepo(files, { maxOutputBytes: 16 << 20 });
    expect(r.code).toBe(3);
    expect(r.json.cut).toEqual([]);
    expect(r.json.failed).toEqual([
      {
        bundle: 'crds',
        error: expect.objectContaining({
          message: expect.stringMatching(
            /bundle crds \(kustomize build crds\/k\): .*kustomize wrote more than 16777216 bytes \(render\.kustomize\.maxOutputBytes\)/,
          ),
          data: expect.objectContaining({ reason: 'output-cap' }),
        }),
      },
    ]);
  });
});

// Issue acceptance (files private to Drover's user), after a real cut of a
// Kustomize bundle with two targets from the shared test environment's Git
// server into its registry, with the real kustomize binary:
// - in the default layout, the `.drover/` folder Drover makes is 0700, the
//   state database, its -wal and -shm (looked at while the workspace is
//   open, before SQLite folds the WAL back and deletes it) and every render
//   cache entry are 0600, the render cache's folder 0700;
// - with `state:` in a folder the user made 0755, that folder keeps 0755,
//   while Drover's files in it are 0600 and the render cache folder it makes
//   there is 0700.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTestConfig } from '../../fixtures/testenv/config.ts';
import { createRepo } from '../../fixtures/testenv/git-server.ts';
import { testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { cutVersions } from '../verbs/cut.ts';
import { openWorkspace } from '../workspace/workspace.ts';

const env = testEnv();
const scratch = mkdtempSync(join(tmpdir(), 'drover-file-modes-'));
const fixture = join(import.meta.dirname, '..', '..', 'fixtures', 'repos', 'overlays');
let url: string;
let bundle: string;

beforeAll(async () => {
  bundle = uniqueName('web');
  const seed = join(scratch, 'seed');
  await cp(fixture, seed, { recursive: true });
  for (const f of ['bundle.yaml', 'web/overlays/dev/kustomization.yaml', 'web/overlays/prod/kustomization.yaml'])
    writeFileSync(
      join(seed, f),
      readFileSync(join(seed, f), 'utf8').replaceAll('NAMESPACE', uniqueName('ns')).replaceAll('BUNDLE', bundle),
    );
  url = await createRepo(env.git, { name: uniqueName('modes'), fixtureDir: seed });
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const mode = (p: string) => statSync(p).mode & 0o777;
const exists = (p: string) => statSync(p, { throwIfNoEntry: false }) !== undefined;

/** A workspace folder (0755, as a user's project folder is) with a drover.yaml for the repository and the registry. */
function workspaceDir(extra: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(scratch, 'ws-'));
  chmodSync(dir, 0o755);
  writeTestConfig(env, dir, {
    sources: [{ name: 'apps', url }],
    registry: `oci://${env.registry.host}/${uniqueName('modes')}`,
    environments: [
      { name: 'dev', clusters: [env.clusters[0]!.name] },
      { name: 'prod', clusters: [env.clusters[0]!.name] },
    ],
    ...extra,
  });
  return dir;
}

/** Cuts the bundle and returns, in octal and while the workspace is still open, the modes of its state's files and render cache. */
async function cutAndLook(dir: string, stateDir: string) {
  const ws = await openWorkspace({ configPath: join(dir, 'drover.yaml') });
  const octal = (p: string) => mode(p).toString(8);
  try {
    const r = await cutVersions({ ws });
    expect(r.cut.map((c) => [c.bundle, c.version])).toEqual([[bundle, '1.0.0']]);
    expect(r.renders.map((x) => [x.target, x.cached]).sort()).toEqual([
      ['dev', false],
      ['prod', false],
    ]);
    const cache = join(stateDir, 'render-cache');
    return {
      db: octal(join(stateDir, 'state.db')),
      wal: octal(join(stateDir, 'state.db-wal')),
      shm: octal(join(stateDir, 'state.db-shm')),
      cacheDir: octal(cache),
      entries: readdirSync(cache).map((e) => octal(join(cache, e))),
    };
  } finally {
    ws.close();
  }
}

describe('files Drover keeps for itself after a real cut', () => {
  it('its .drover/ folder is 0700; the database, -wal, -shm and every render cache entry 0600', async () => {
    const dir = workspaceDir();
    const stateDir = join(dir, '.drover');
    expect(await cutAndLook(dir, stateDir)).toEqual({
      db: '600',
      wal: '600',
      shm: '600',
      cacheDir: '700',
      entries: ['600', '600'],
    });
    expect(mode(stateDir).toString(8)).toBe('700');
    expect(mode(dir).toString(8)).toBe('755');
    // Closed: the database stays 0600, and a -wal left behind (if any) too.
    expect(mode(join(stateDir, 'state.db')).toString(8)).toBe('600');
    if (exists(join(stateDir, 'state.db-wal'))) expect(mode(join(stateDir, 'state.db-wal')).toString(8)).toBe('600');
  });

  it('a folder the user made 0755 for the state keeps 0755; what Drover puts in it is private', async () => {
    const dir = workspaceDir({ state: 'var/drover/state.db' });
    const stateDir = join(dir, 'var', 'drover');
    mkdirSync(stateDir, { recursive: true });
    chmodSync(join(dir, 'var'), 0o755);
    chmodSync(stateDir, 0o755);
    expect(await cutAndLook(dir, stateDir)).toEqual({
      db: '600',
      wal: '600',
      shm: '600',
      cacheDir: '700',
      entries: ['600', '600'],
    });
    expect(mode(stateDir).toString(8)).toBe('755');
    expect(mode(join(dir, 'var')).toString(8)).toBe('755');
  });
});

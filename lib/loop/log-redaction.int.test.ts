// Issue acceptance (credentials in URL queries are never shown): a source
// whose URL carries `?private_token=<canary>` fails to fetch, for real,
// against the shared test environment's Git server and against a port where
// nothing listens. The failure reaches the CLI's error message (human and
// JSON) and `drover serve`'s log with the parameter's value as `***`, and the
// canary nowhere.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTestConfig } from '../../fixtures/testenv/config.ts';
import { freePort } from '../../fixtures/testenv/process.ts';
import { startDaemon } from '../../fixtures/testenv/serve-daemon.ts';
import { testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';

const execFileP = promisify(execFile);
const env = testEnv();
const cli = join(import.meta.dirname, '..', '..', 'cmd', 'drover.ts');
const scratch = mkdtempSync(join(tmpdir(), 'drover-log-redaction-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const CANARY = 'glpat-canary-7c1f0e';

/** A workspace whose one source is `url`. */
function workspace(url: string): string {
  const dir = mkdtempSync(join(scratch, 'ws-'));
  writeTestConfig(env, dir, {
    sources: [{ name: 'apps', url, schedule: '*/1 * * * *' }],
    registry: `oci://${env.registry.host}/${uniqueName('redact')}`,
  });
  return dir;
}

/** `drover cut` as a user runs it: exit code and everything it printed. */
async function cut(dir: string, args: string[] = []): Promise<{ code: number; out: string }> {
  try {
    const r = await execFileP(process.execPath, [cli, 'cut', ...args], { cwd: dir });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

describe('a source URL with a credential in its query', () => {
  it.each([
    ['the real Git server', async () => `${env.git.url}/${uniqueName('missing')}.git?private_token=${CANARY}`],
    ['a port where nothing listens', async () => `http://127.0.0.1:${await freePort()}/x.git?private_token=${CANARY}`],
  ])('fails a cut against %s without showing it, human or JSON', async (_where, source) => {
    const dir = workspace(await source());
    for (const args of [[], ['--output', 'json']]) {
      const r = await cut(dir, args);
      expect(r.code).not.toBe(0);
      expect(r.out).toContain('private_token=***');
      expect(r.out).not.toContain(CANARY);
    }
  });

  it("fails in drover serve's log without showing it", async () => {
    const dir = workspace(`http://127.0.0.1:${await freePort()}/x.git?private_token=${CANARY}`);
    const daemon = await startDaemon({ config: join(dir, 'drover.yaml'), cwd: dir });
    try {
      // The failed cut, logged as a warning or an error (the fetch's own info line comes first).
      await daemon.line((l) => l.level !== 'info' && JSON.stringify(l).includes('private_token=***'), {
        timeoutMs: 90_000,
      });
    } finally {
      await daemon.kill();
    }
    expect(daemon.stderr()).toContain('private_token=***');
    expect(daemon.stderr()).not.toContain(CANARY);
  });
});

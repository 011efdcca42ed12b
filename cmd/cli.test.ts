// End to end: spawn the real CLI and assert exit codes and output.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const execFileP = promisify(execFile);
const cli = join(import.meta.dirname, 'drover.ts');
const dir = mkdtempSync(join(tmpdir(), 'drover-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function drover(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, [cli, ...args], { cwd: dir });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// Spawning Node takes seconds on a busy machine; the timeout is about that, not about speed.
describe('drover CLI', { timeout: 60_000 }, () => {
  it('prints usage and exits 2 without a verb, 0 with --help', async () => {
    const none = await drover([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toMatch(/usage: drover <verb>/);
    expect((await drover(['--help'])).code).toBe(0);
  });

  it('refuses an unknown verb and an unknown flag with exit code 2', async () => {
    const unknown = await drover(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown verb "frobnicate"/);
    expect((await drover(['init', '--bogus'])).code).toBe(2);
  });

  it('init writes drover.yaml once and refuses to overwrite (exit 5), JSON on request', async () => {
    const first = await drover(['init', '--source', 'https://git.example/apps.git', '--output', 'json']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ path: join(dir, 'drover.yaml') });
    expect(readFileSync(join(dir, 'drover.yaml'), 'utf8')).toContain('https://git.example/apps.git');
    const again = await drover(['init', '--output', 'json']);
    expect(again.code).toBe(5);
    expect(JSON.parse(again.stdout).error.code).toBe('E_CONFLICT');
  });

  it('takes global flags before the verb as well as after it', async () => {
    const made = await drover(['--config', 'sub/d.yaml', 'init', '--source', 'https://git.example/apps.git']);
    expect(made.code).toBe(0);
    expect(readFileSync(join(dir, 'sub', 'd.yaml'), 'utf8')).toContain('https://git.example/apps.git');
    const again = await drover(['-o', 'json', '--config=sub/d.yaml', 'init']);
    expect(again.code).toBe(5);
    expect(JSON.parse(again.stdout).error.code).toBe('E_CONFLICT');
  });
});

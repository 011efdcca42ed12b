// In a real Node process (the daemon's own), a rejection nobody catches is
// logged as JSON and the process goes on; without the net, Node ends it.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const node = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'node');
const script = (withNet: boolean) => `
  import { createLogger } from './lib/loop/log.ts';
  import { surviveRejections } from './lib/loop/survive-rejections.ts';
  const log = createLogger({ write: (l) => process.stdout.write(l) });
  const survive = ${withNet} ? surviveRejections(log) : { stop() {} };
  Promise.reject(new Error('a forgotten catch'));
  setTimeout(() => { process.stdout.write('still serving\\n'); survive.stop(); }, 100);
`;
const run = (withNet: boolean) =>
  promisify(execFile)(node, ['--input-type=module', '-e', script(withNet)], {
    cwd: join(import.meta.dirname, '..', '..'),
  }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
  );

describe('surviveRejections', () => {
  it('logs an unhandled rejection and the process goes on; without it Node ends the process', async () => {
    const kept = await run(true);
    expect(kept.code).toBe(0);
    const line = JSON.parse(kept.stdout.split('\n')[0]!) as { level: string; msg: string; error: { message: string } };
    expect(line).toMatchObject({ level: 'error', msg: 'unhandled rejection (logged and survived)' });
    expect(line.error.message).toBe('a forgotten catch');
    expect(kept.stdout).toContain('still serving');
    const ended = await run(false);
    expect(ended.code).not.toBe(0);
    expect(ended.stdout).not.toContain('still serving');
  });
});

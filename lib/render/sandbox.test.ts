import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { networkIsolation, openSandbox, type SandboxNetwork } from './sandbox.ts';

const scratch = mkdtempSync(join(tmpdir(), 'drover-sandbox-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function inSandbox(command: string, args: string[], network?: SandboxNetwork) {
  const box = await openSandbox({ files: [] });
  try {
    return await box.run({
      command,
      args,
      timeoutMs: 20_000,
      maxOutputBytes: 4096,
      what: 'test',
      ...(network ? { network } : {}),
    });
  } finally {
    await box.close();
  }
}

describe('openSandbox', () => {
  it('kills a command that writes more than its cap, naming the setting the cap comes from', async () => {
    const box = await openSandbox({ files: [] });
    try {
      await expect(
        box.run({
          command: '/bin/sh',
          args: ['-c', 'head -c 100000 /dev/zero'],
          timeoutMs: 10_000,
          maxOutputBytes: 4096,
          capSetting: 'render.kustomize.maxOutputBytes',
          what: 'bundle web',
        }),
      ).rejects.toMatchObject({
        message: 'bundle web: /bin/sh wrote more than 4096 bytes (render.kustomize.maxOutputBytes)',
        data: { reason: 'output-cap' },
      });
    } finally {
      await box.close();
    }
  });

  it('gives a command that may fetch nothing no network, not even this host; one allowed to fetch reaches it', async () => {
    // This host (the one the tests run on) lets an unprivileged process make a network namespace.
    expect(await networkIsolation()).toBe(true);
    let connections = 0;
    const server = createServer((s) => {
      connections += 1;
      s.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const dial = `require('net').connect(${port}, '127.0.0.1').on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => console.log(e.code))`;
    try {
      expect((await inSandbox(process.execPath, ['-e', dial])).stdout.trim()).toMatch(/^E[A-Z]+$/);
      expect(connections).toBe(0);
      expect((await inSandbox(process.execPath, ['-e', dial], 'remote')).stdout.trim()).toBe('connected');
      expect(connections).toBe(1);
    } finally {
      server.close();
    }
  });

  it('lets Git use no transport without a network, and never file:// or ext:: with one', async () => {
    const repo = join(scratch, 'repo');
    execFileSync('git', ['init', '-q', repo]);
    execFileSync('git', [
      '-C',
      repo,
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@t',
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      'x',
    ]);
    for (const network of ['none', 'remote'] as const) {
      await expect(inSandbox('/usr/bin/git', ['clone', '-q', `file://${repo}`, 'copy'], network)).rejects.toThrow(
        /transport 'file' not allowed/,
      );
      await expect(inSandbox('/usr/bin/git', ['clone', '-q', 'ext::sh -c true', 'copy'], network)).rejects.toThrow(
        /transport 'ext' not allowed/,
      );
    }
  });
});

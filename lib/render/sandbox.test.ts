import { describe, expect, it } from 'vitest';
import { openSandbox } from './sandbox.ts';

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
});

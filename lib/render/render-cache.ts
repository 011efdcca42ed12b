/**
 * The render cache: a renderer's output kept under the key of its inputs
 * (`<state dir>/render-cache/<key>.yaml`), so a cut runs a renderer only for
 * targets whose inputs changed. The key decides whether to run the renderer,
 * never what a version holds: what comes out (cached or fresh) is compared
 * member by member with the parent as plain YAML is. Renders of one key that
 * are asked for at once (two targets rendering the same inputs) run once.
 *
 * @example
 *   const cache = openRenderCache(join(stateDir, 'render-cache'));
 *   const { text, cached } = await cache.get(key, () => runRenderer());
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface RenderCache {
  /** The output under `key`, else `render()`'s (then kept under `key`). `cached`: the renderer did not run for this call. */
  get(key: string, render: () => Promise<string>): Promise<{ text: string; cached: boolean }>;
}

export function openRenderCache(dir: string): RenderCache {
  const inFlight = new Map<string, Promise<string>>();
  return {
    async get(key, render) {
      if (!/^[A-Za-z0-9._-]+$/.test(key)) throw new Error(`render cache key ${JSON.stringify(key)} is not a file name`);
      const file = join(dir, `${key}.yaml`);
      const running = inFlight.get(key);
      if (running) return { text: await running, cached: true };
      const kept = await readFile(file, 'utf8').catch(() => undefined);
      if (kept !== undefined) return { text: kept, cached: true };
      const raced = inFlight.get(key);
      if (raced) return { text: await raced, cached: true };
      const p = (async () => {
        const text = await render();
        await mkdir(dir, { recursive: true });
        // Written whole under a name of its own, then renamed: a crash or another process never leaves half a render under its key.
        const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
        await writeFile(tmp, text);
        await rename(tmp, file);
        return text;
      })();
      // Kept for the cache's life (one cut): a later ask for the key never races the file being written.
      inFlight.set(key, p);
      p.catch(() => inFlight.delete(key));
      return { text: await p, cached: false };
    },
  };
}

/**
 * The render cache: a renderer's output kept under the key of its inputs
 * (`<state dir>/render-cache/<key>.yaml`), so a cut runs a renderer only for
 * targets whose inputs changed. The key decides whether to run the renderer,
 * never what a version holds: what comes out (cached or fresh) is compared
 * member by member with the parent as plain YAML is. Renders of one key that
 * are asked for at once (two targets rendering the same inputs) run once.
 *
 * What it keeps is checked and bounded:
 * - each entry's first line records the sha256 and size of the output below
 *   it (`# drover render cache sha256:<hex> <bytes>`), and an entry is used
 *   only when its bytes match: one that does not (a disk fault, a truncated
 *   file, an edit, an entry from before the header) is deleted and rendered
 *   again, with a warning event;
 * - the entries together stay under `maxBytes` (drover.yaml's
 *   `render.cacheMaxBytes`, 512 MiB by default): after each write the least
 *   recently used go first, a hit counting as a use (its mtime is set);
 *   an output larger than the whole cache is not kept;
 * - the folder is made 0700 and every entry is written 0600
 *   (lib/foundation/private-files.ts): renders may hold what a chart's
 *   values put there.
 * Writing to the cache is best effort: a full disk or a folder it cannot
 * write costs the next cut a render, never this one its output.
 *
 * @example
 *   const cache = openRenderCache({ dir: join(stateDir, 'render-cache'), maxBytes: config.render.cacheMaxBytes });
 *   const { text, cached } = await cache.get(key, () => runRenderer());
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../foundation/private-files.ts';
import type { OnEvent } from '../progress.ts';

/** drover.yaml's `render.cacheMaxBytes` when it says nothing: 512 MiB. */
export const DEFAULT_RENDER_CACHE_MAX_BYTES = 512 * 1024 * 1024;

export interface RenderCache {
  /** The output under `key`, else `render()`'s (then kept under `key`). `cached`: the renderer did not run for this call. */
  get(key: string, render: () => Promise<string>): Promise<{ text: string; cached: boolean }>;
}

export interface OpenRenderCacheOptions {
  /** The cache's own folder (created 0700 on first write). */
  dir: string;
  /** The most its entries may hold together; the least recently used are deleted past it. */
  maxBytes?: number;
  /** Warnings: an entry discarded because its bytes did not match its digest, a write that failed. */
  onEvent?: OnEvent;
}

const ENTRY_FILE = /^[A-Za-z0-9._-]+\.(yaml|tmp)$/;
const HEADER = /^# drover render cache sha256:([0-9a-f]{64}) (\d+)$/;

export function openRenderCache({
  dir,
  maxBytes = DEFAULT_RENDER_CACHE_MAX_BYTES,
  onEvent = () => {},
}: OpenRenderCacheOptions): RenderCache {
  const inFlight = new Map<string, Promise<string>>();
  let evicting: Promise<void> = Promise.resolve();
  const warn = (message: string) => onEvent({ phase: 'render', level: 'warn', message });
  return {
    async get(key, render) {
      if (!/^[A-Za-z0-9._-]+$/.test(key)) throw new Error(`render cache key ${JSON.stringify(key)} is not a file name`);
      const file = join(dir, `${key}.yaml`);
      const running = inFlight.get(key);
      if (running) return { text: await running, cached: true };
      const kept = await readEntry({ file, warn });
      if (kept !== undefined) return { text: kept, cached: true };
      const raced = inFlight.get(key);
      if (raced) return { text: await raced, cached: true };
      const p = (async () => {
        const text = await render();
        const written = await writeEntry({ dir, file, text, maxBytes }).catch((err: unknown) => {
          warn(`render cache: could not keep ${key}: ${(err as Error).message}`);
          return false;
        });
        if (written) {
          evicting = evicting.then(() =>
            evict({ dir, maxBytes, keep: file }).catch((err: unknown) =>
              warn(`render cache: could not evict in ${dir}: ${(err as Error).message}`),
            ),
          );
          await evicting;
        }
        return text;
      })();
      // Kept for the cache's life (one cut): a later ask for the key never races the file being written.
      inFlight.set(key, p);
      p.catch(() => inFlight.delete(key));
      return { text: await p, cached: false };
    },
  };
}

/** An entry's output when its bytes match the digest and size its header records; a mismatched entry is deleted. Undefined: no usable entry. */
async function readEntry({ file, warn }: { file: string; warn: (m: string) => void }): Promise<string | undefined> {
  const bytes = await readFile(file).catch(() => undefined);
  if (bytes === undefined) return undefined;
  const newline = bytes.indexOf(0x0a);
  const header = HEADER.exec(newline === -1 ? '' : bytes.subarray(0, newline).toString('latin1'));
  const body = bytes.subarray(newline + 1);
  if (header && body.length === Number(header[2]) && sha256(body) === header[1]) {
    // A use: the least recently used entries are the ones evicted.
    const now = new Date();
    await utimes(file, now, now).catch(() => {});
    return body.toString('utf8');
  }
  warn(`render cache entry ${file} does not match its recorded digest: discarded, rendering again`);
  await unlink(file).catch(() => {});
  return undefined;
}

/** Writes an entry whole under a name of its own, then renames it: a crash or another process never sees half of one. False: too large to keep. */
async function writeEntry({
  dir,
  file,
  text,
  maxBytes,
}: {
  dir: string;
  file: string;
  text: string;
  maxBytes: number;
}): Promise<boolean> {
  const body = Buffer.from(text, 'utf8');
  const entry = Buffer.concat([
    Buffer.from(`# drover render cache sha256:${sha256(body)} ${body.length}\n`, 'latin1'),
    body,
  ]);
  if (entry.length > maxBytes) return false;
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, entry, { mode: PRIVATE_FILE_MODE });
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  return true;
}

/** Deletes the least recently used files (entries, and leftovers of interrupted writes) until the folder holds at most `maxBytes`; `keep` goes last. */
async function evict({ dir, maxBytes, keep }: { dir: string; maxBytes: number; keep: string }): Promise<void> {
  const names = (await readdir(dir)).filter((n) => ENTRY_FILE.test(n));
  const files = (
    await Promise.all(
      names.map(async (n) => {
        const st = await stat(join(dir, n)).catch(() => undefined);
        return st?.isFile() ? { path: join(dir, n), size: st.size, usedMs: st.mtimeMs } : undefined;
      }),
    )
  ).filter((f) => f !== undefined);
  let total = files.reduce((sum, f) => sum + f.size, 0);
  if (total <= maxBytes) return;
  files.sort((a, b) => Number(a.path === keep) - Number(b.path === keep) || a.usedMs - b.usedMs);
  for (const f of files) {
    if (total <= maxBytes) break;
    await unlink(f.path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    total -= f.size;
  }
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

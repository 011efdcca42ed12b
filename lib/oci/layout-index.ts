/**
 * The `index.json` of an OCI image layout: the list of manifests the layout
 * holds, each tag an entry whose `org.opencontainers.image.ref.name`
 * annotation is the tag (as oras and skopeo write it), plus untagged entries
 * for manifests pushed by digest. Reads are lock-free (the file is replaced
 * atomically); updates read, change and replace it under the layout's lock.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IntegrityError } from '../errors/errors.ts';
import { isDigest } from './digest.ts';
import { withLockFile, writeFileAtomic } from './layout-files.ts';
import { MediaType } from './media-types.ts';
import type { Descriptor } from './store.ts';

export const REF_NAME = 'org.opencontainers.image.ref.name';

export interface ImageIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
  [key: string]: unknown;
}

export function emptyIndex(): ImageIndex {
  return { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
}

/** The index of the layout at `dir`; an empty one when the layout does not exist yet. */
export async function readIndex({ dir, signal }: { dir: string; signal?: AbortSignal }): Promise<ImageIndex> {
  const file = join(dir, 'index.json');
  let text: string;
  try {
    text = await readFile(file, { encoding: 'utf8', signal });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyIndex();
    throw err;
  }
  let index: ImageIndex;
  try {
    index = JSON.parse(text) as ImageIndex;
  } catch {
    throw new IntegrityError(`${file} is not valid JSON`, { data: { file } });
  }
  if (
    index?.schemaVersion !== 2 ||
    !Array.isArray(index.manifests) ||
    index.manifests.some((m) => !isDigest(String(m?.digest)))
  ) {
    throw new IntegrityError(`${file} is not an OCI image index`, { data: { file } });
  }
  return index;
}

/**
 * Applies `change` to the index under the layout's lock and writes the result
 * atomically. `change` returns false to leave the file untouched.
 */
export async function updateIndex<T>(
  { dir, signal }: { dir: string; signal?: AbortSignal },
  change: (index: ImageIndex) => { write: boolean; result: T },
): Promise<T> {
  return withLockFile({ lockFile: join(dir, 'index.json.lock'), signal }, async () => {
    const index = await readIndex({ dir, signal });
    const { write, result } = change(index);
    if (write)
      await writeFileAtomic({
        file: join(dir, 'index.json'),
        data: `${JSON.stringify(index, null, 2)}\n`,
        tmpDir: dir,
        signal,
      });
    return result;
  });
}

export function tagOf(d: Descriptor): string | undefined {
  return d.annotations?.[REF_NAME];
}

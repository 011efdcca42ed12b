/**
 * What every image-layout operation works on: the layout directory of one
 * repository, its name for messages, and the store's counters.
 */
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type Digest, digestHex } from './digest.ts';
import { writeFileAtomic } from './layout-files.ts';
import type { StoreStats } from './store.ts';

export interface LayoutTarget {
  /** The repository's layout directory (holds `oci-layout`, `index.json`, `blobs/`). */
  dir: string;
  /** `oci-layout://<dir>`, for messages. */
  location: string;
  stats: StoreStats;
}

export function blobPath(t: LayoutTarget, digest: Digest): string {
  return join(t.dir, 'blobs', 'sha256', digestHex(digest));
}

const LAYOUT_FILE = `${JSON.stringify({ imageLayoutVersion: '1.0.0' })}\n`;

/** Creates the layout's skeleton if missing: `oci-layout` and `blobs/sha256/`. */
export async function ensureLayout(t: LayoutTarget): Promise<void> {
  await mkdir(join(t.dir, 'blobs', 'sha256'), { recursive: true });
  const marker = join(t.dir, 'oci-layout');
  const exists = await stat(marker).then(
    () => true,
    () => false,
  );
  // Two writers creating it at once rename the same bytes into place; either wins.
  if (!exists) await writeFileAtomic({ file: marker, data: LAYOUT_FILE, tmpDir: t.dir });
}

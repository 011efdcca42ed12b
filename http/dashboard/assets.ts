/**
 * The dashboard's static files, read once at start from assets/: one
 * stylesheet, one client script, and the vendored idiomorph (0.8.0, 0BSD,
 * copied byte for byte from its npm package; assets.test.ts checks the copy
 * against the pinned package). No CDN and no build step: the browser loads
 * these from the daemon, and the Content-Security-Policy allows nothing else.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Reply } from '../router.ts';

const DIR = join(import.meta.dirname, 'assets');

export const ASSETS: Record<string, { file: string; type: string }> = {
  'dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
  'dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  'idiomorph-0.8.0.esm.js': { file: 'vendor/idiomorph-0.8.0.esm.js', type: 'text/javascript; charset=utf-8' },
};

const cache = new Map<string, string>();

export function assetReply(name: string): Reply {
  // Only the table's own names: `constructor`, `toString` and the like are no assets.
  const a = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!a) return { status: 404, text: 'no such asset\n' };
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(join(DIR, a.file), 'utf8');
    cache.set(name, text);
  }
  // Names carry no version except the vendored file's, so they are revalidated rather than cached for long.
  return {
    status: 200,
    text,
    contentType: a.type,
    headers: { 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' },
  };
}

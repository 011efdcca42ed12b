/**
 * The dashboard's static files, read once at start from assets/: one
 * stylesheet, one client script, and the vendored idiomorph (0.8.0, 0BSD,
 * copied byte for byte from its npm package; assets.test.ts checks the copy
 * against the pinned package). No CDN and no build step: the browser loads
 * these from the daemon, and the Content-Security-Policy allows nothing else.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(import.meta.dirname, 'assets');

export const ASSETS: Record<string, { file: string; type: string }> = {
  'dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
  'dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  'idiomorph-0.8.0.esm.js': { file: 'vendor/idiomorph-0.8.0.esm.js', type: 'text/javascript; charset=utf-8' },
};

const cache = new Map<string, string>();

/** An asset's text and type by its name, or undefined: only the table's own names (`constructor`, `toString` and the like are no assets). */
export function assetOf(name: string): { text: string; type: string } | undefined {
  const a = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!a) return undefined;
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(join(DIR, a.file), 'utf8');
    cache.set(name, text);
  }
  return { text, type: a.type };
}

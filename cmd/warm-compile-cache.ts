/**
 * Fills Node's compile cache (the directory in NODE_COMPILE_CACHE) with every
 * module of Drover's sources and the packages they import, so a process
 * started from the same files finds each module's type-stripped source and
 * V8 code there: it never loads Node's TypeScript stripper (about 20 MB of
 * RSS for the life of the process, which matters most for `drover agent`,
 * one per cluster) and compiles nothing at start.
 *
 * Run once where the files will not move, as the user and with the V8 flags
 * that will run them (Node keys the cache by Node version, flags and uid, and
 * each entry by path and content): deploy/Containerfile runs it at image
 * build. Importing a module of lib/ or http/ starts nothing (pure logic and
 * factories only); cmd/drover.ts is left out because importing it runs the
 * CLI, and is cached by running `drover --help` after this.
 *
 * @example
 *   NODE_COMPILE_CACHE=/app/.node-compile-cache node cmd/warm-compile-cache.ts
 *   // warm-compile-cache: 287 modules in /app/.node-compile-cache
 */
import { readdirSync } from 'node:fs';
import { flushCompileCache, getCompileCacheDir } from 'node:module';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Importing the CLI's entry runs it; this file would import itself. */
const SKIP = new Set(['cmd/drover.ts', 'cmd/warm-compile-cache.ts']);

/** The modules this imports, relative to `root`: every source module the image holds (deploy/Containerfile.dockerignore leaves out tests and their data). */
export function warmModules(root: string): string[] {
  return ['cmd', 'lib', 'http']
    .flatMap((top) =>
      readdirSync(join(root, top), { recursive: true, withFileTypes: true }).map((d) =>
        relative(root, join(d.parentPath, d.name)),
      ),
    )
    .filter(
      (f) =>
        f.endsWith('.ts') &&
        !f.endsWith('.test.ts') &&
        !f.endsWith('.d.ts') &&
        !f.split('/').includes('testdata') &&
        !SKIP.has(f),
    )
    .sort();
}

if (import.meta.main) {
  const root = join(import.meta.dirname, '..');
  const dir = getCompileCacheDir?.();
  if (!dir) {
    process.stderr.write(
      'warm-compile-cache: the compile cache is not enabled: set NODE_COMPILE_CACHE to a writable directory\n',
    );
    process.exit(2);
  }
  const modules = warmModules(root);
  for (const file of modules) {
    try {
      await import(pathToFileURL(join(root, file)).href);
    } catch (err) {
      process.stderr.write(`warm-compile-cache: ${file}: ${(err as Error).message}\n`);
      process.exit(1);
    }
  }
  flushCompileCache();
  process.stdout.write(`warm-compile-cache: ${modules.length} modules in ${dir}\n`);
}

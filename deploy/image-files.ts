/**
 * Which repository files the image built from deploy/Containerfile holds
 * (its context COPYs minus Containerfile.dockerignore), and what the code
 * reachable from the entrypoint imports. Lets a test prove, without an image
 * builder, that `node cmd/drover.ts` finds every module it loads in the image
 * and needs no package outside `dependencies` (the image runs
 * `npm ci --omit=dev`).
 *
 * @example
 *   const files = imageFiles({ root, copies: ['cmd/', 'lib/'], ignore: ['**\/*.test.ts'] });
 *   const graph = importGraph({ root, entry: 'cmd/drover.ts' });
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, matchesGlob, normalize, relative } from 'node:path';
import { InvalidInputError } from '../lib/errors/errors.ts';

/** Patterns of a .dockerignore file: one a line, `#` comments; `!` re-includes are not supported. */
export function parseIgnoreFile(text: string): string[] {
  const patterns = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const negated = patterns.find((p) => p.startsWith('!'));
  if (negated) throw new InvalidInputError(`ignore file: re-include patterns are not supported here: ${negated}`);
  return patterns.map((p) => normalize(p).replace(/\/$/, ''));
}

/** True when `path` (relative, `/`-separated) or one of its parent directories matches a pattern, as Docker's matcher does. */
export function isIgnored(path: string, patterns: readonly string[]): boolean {
  const parts = path.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const prefix = parts.slice(0, i).join('/');
    if (patterns.some((p) => matchesGlob(prefix, p))) return true;
  }
  return false;
}

function walk(root: string, rel: string, out: string[]): void {
  const abs = join(root, rel);
  if (statSync(abs).isDirectory()) {
    for (const name of readdirSync(abs).sort()) walk(root, rel === '' ? name : `${rel}/${name}`, out);
  } else {
    out.push(rel);
  }
}

/** The context files the COPY instructions bring in, relative to `root`. A source that does not exist is an error. */
export function imageFiles({
  root,
  copies,
  ignore,
}: {
  root: string;
  copies: readonly string[];
  ignore: readonly string[];
}): Set<string> {
  const out: string[] = [];
  for (const src of copies) {
    const rel = normalize(src).replace(/\/$/, '');
    if (!existsSync(join(root, rel)))
      throw new InvalidInputError(`Containerfile copies ${src}, which does not exist in ${root}`, {
        data: { path: src },
      });
    walk(root, rel, out);
  }
  return new Set(out.filter((f) => !isIgnored(f, ignore)));
}

export interface ImportGraph {
  /** Every module file reached from the entry, relative to the root. */
  files: Set<string>;
  /** Bare specifiers (packages and builtins), each with every file that imports it. */
  bare: Map<string, string[]>;
}

const IMPORT =
  /\b(?:import|export)\s+(type\s+)?(?:[\w*{}\s,$]*?\s*from\s*)?['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The specifiers a module loads at run time: type-only imports are erased by type stripping and left out; comments are skipped. */
export function runtimeSpecifiers(source: string): string[] {
  const code = source
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .split('\n')
    .filter((l) => !l.trim().startsWith('//'))
    .join('\n');
  const out: string[] = [];
  for (const m of code.matchAll(IMPORT)) {
    if (m[1]) continue;
    out.push((m[2] ?? m[3])!);
  }
  return out;
}

/** Follows relative imports from `entry` (or from each of several); stops at bare specifiers. */
export function importGraph({ root, entry }: { root: string; entry: string | readonly string[] }): ImportGraph {
  const files = new Set<string>();
  const bare = new Map<string, string[]>();
  const queue = typeof entry === 'string' ? [entry] : [...entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    if (!/\.[cm]?[jt]s$/.test(file)) continue;
    for (const spec of runtimeSpecifiers(readFileSync(join(root, file), 'utf8'))) {
      if (spec.startsWith('.') || spec.startsWith('/')) {
        const target = relative(root, join(root, dirname(file), spec))
          .split('\\')
          .join('/');
        if (!existsSync(join(root, target)))
          throw new InvalidInputError(`${file} imports ${spec}, which does not exist`, { data: { file, spec } });
        queue.push(target);
      } else {
        bare.set(spec, [...(bare.get(spec) ?? []), file]);
      }
    }
  }
  return { files, bare };
}

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

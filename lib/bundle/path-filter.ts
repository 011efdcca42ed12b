/**
 * Path filters: which files of a commit a source reads (its `paths`), and
 * which files a bundle takes members from (`spec.paths`). Pure. A pattern
 * without glob characters is a path prefix on segment boundaries (`apps/web`
 * matches `apps/web/x.yaml`, not `apps/website/x.yaml`); a pattern with `*`,
 * `**` or `?` is a glob that matches a file or any directory above it
 * (`apps/*\/base` matches `apps/web/base/kustomization.yaml`). No patterns
 * means every file. Also here: which files are manifest candidates.
 *
 * @example
 *   const f = compilePathFilter(['apps/', 'infra/**\/*.yaml']);
 *   f.matches('apps/web/deploy.yaml'); // true
 *   f.mayContain('docs'); // false: the walk skips that directory
 */
import { InvalidInputError } from '../errors/errors.ts';

export interface PathFilter {
  /** Whether the file at `path` is selected. */
  matches(path: string): boolean;
  /** Whether anything under directory `dir` could be selected (lets tree walks skip subtrees). */
  mayContain(dir: string): boolean;
}

const GLOB = /[*?[]/;

/** Validates one pattern and returns it normalized (no leading `./`, no trailing `/`). */
export function checkPathPattern(pattern: string): string {
  const p = pattern.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  const problem =
    p === '' || p === '.'
      ? 'is empty'
      : p.startsWith('/')
        ? 'is absolute (patterns are relative to the repository root)'
        : p.includes('\\')
          ? "contains '\\' (use '/')"
          : p.split('/').some((s) => s === '..' || s === '.' || s === '')
            ? "has an empty, '.' or '..' segment"
            : p.includes('[')
              ? "contains '[' (character classes are not supported)"
              : undefined;
  if (problem)
    throw new InvalidInputError(`source path filter ${JSON.stringify(pattern)} ${problem}`, {
      data: { pattern, problem },
    });
  return p;
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches zero or more directories; a trailing `**` matches anything below.
      if (glob[i + 2] === '/') {
        re += '(?:[^/]+/)*';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}(?:/.*)?$`);
}

/** Builds a filter from validated patterns. */
export function compilePathFilter(patterns: readonly string[]): PathFilter {
  if (patterns.length === 0) return { matches: () => true, mayContain: () => true };
  const compiled = patterns.map((p) => {
    if (!GLOB.test(p)) return { prefix: p, literalDirs: p, re: undefined };
    // The literal directories before the first glob segment bound where matches can be.
    const segs = p.split('/');
    const firstGlob = segs.findIndex((s) => GLOB.test(s));
    return { prefix: undefined, literalDirs: segs.slice(0, firstGlob).join('/'), re: globToRegExp(p) };
  });
  return {
    matches(path) {
      return compiled.some((c) => (c.re ? c.re.test(path) : path === c.prefix || path.startsWith(`${c.prefix}/`)));
    },
    mayContain(dir) {
      return compiled.some((c) => {
        const l = c.literalDirs;
        return l === '' || dir === l || dir.startsWith(`${l}/`) || l.startsWith(`${dir}/`);
      });
    },
  };
}

/** Whether a file is a manifest candidate by name: `.yaml`, `.yml` or `.json`. */
export function isManifestPath(path: string): boolean {
  return /\.(ya?ml|json)$/i.test(path);
}

/**
 * The next version of a bundle. Versions are semver `x.y.z`; the first is
 * 1.0.0 (a bundle is cut from manifests that are already meant to run, and
 * in 0.x semver tools read a minor bump as breaking, which would contradict
 * what a minor bump means here).
 *
 * The bump is the largest of the bundle's policy (`spec.versioning.bump`, the
 * minimum, default patch) and what the commit messages since the parent ask
 * for, read as Conventional Commits (https://www.conventionalcommits.org):
 * - `type!:` or `type(scope)!:` in the header, or a `BREAKING CHANGE:` /
 *   `BREAKING-CHANGE:` footer -> major;
 * - `feat:` / `feat(scope):` -> minor;
 * - anything else (fix:, chore:, free text) -> patch.
 *
 * @example
 *   nextVersion({ parent: '1.4.2', messages: ['feat(api): add /health'] }) // => { version: '1.5.0', bump: 'minor', ... }
 */
import semver from 'semver';
import { InvalidInputError } from '../errors/errors.ts';
import type { Bump } from './bundle-doc.ts';

export const FIRST_VERSION = '1.0.0';

const RANK: Record<Bump, number> = { patch: 0, minor: 1, major: 2 };
const HEADER = /^([a-zA-Z]+)(\([^()\r\n]*\))?(!)?:\s/;
const BREAKING_FOOTER = /^BREAKING[ -]CHANGE:\s/m;

/** The bump one commit message asks for. */
export function bumpFromMessage(message: string): Bump {
  const header = HEADER.exec(message.trimStart());
  if (header?.[3] === '!' || BREAKING_FOOTER.test(message)) return 'major';
  if (header?.[1]?.toLowerCase() === 'feat') return 'minor';
  return 'patch';
}

export interface NextVersion {
  version: string;
  /** `first` when there is no parent. */
  bump: Bump | 'first';
  /** Why, for logs: which rule decided. */
  reason: string;
}

/** The version to cut after `parent` (null for the first version). Throws InvalidInputError if the parent is not `x.y.z`. */
export function nextVersion({
  parent,
  policy = 'patch',
  messages = [],
}: {
  parent: string | null;
  policy?: Bump;
  messages?: readonly string[];
}): NextVersion {
  if (parent === null) return { version: FIRST_VERSION, bump: 'first', reason: 'first version' };
  if (semver.valid(parent) !== parent || semver.prerelease(parent) !== null) {
    throw new InvalidInputError(`parent version "${parent}" is not a semver x.y.z`, { data: { parent } });
  }
  let bump: Bump = policy;
  let reason = `bundle policy (${policy})`;
  for (const message of messages) {
    const asked = bumpFromMessage(message);
    if (RANK[asked] > RANK[bump]) {
      bump = asked;
      reason = `commit message "${(message.split('\n')[0] ?? '').slice(0, 72)}" (${asked})`;
    }
  }
  return { version: semver.inc(parent, bump)!, bump, reason };
}

/**
 * The commit messages that speak for one bundle's next version: those of the
 * commits since the last cut that changed one of the bundle's files (a
 * commit whose paths are unknown, a root commit, counts for every bundle).
 * A `feat:` commit to another bundle of the same repository does not bump
 * this one. With none (the bundle changed through a file it no longer has,
 * or the history could not be read), the head commit's message decides.
 *
 * @example
 *   messagesForBundle({ commits: [{ message: 'feat: api', paths: ['api/d.yaml'] }, { message: 'fix: web', paths: ['web/d.yaml'] }], files: new Set(['web/d.yaml']), head: 'fix: web' })
 *   // => ['fix: web']
 */
export function messagesForBundle({
  commits,
  files,
  head,
}: {
  commits: readonly { message: string; paths: readonly string[] | null }[] | null;
  files: ReadonlySet<string>;
  head: string;
}): string[] {
  const touching = (commits ?? [])
    .filter((c) => c.paths === null || c.paths.some((p) => files.has(p)))
    .map((c) => c.message);
  return touching.length > 0 ? touching : [head];
}

/**
 * Repository names and tags, validated against the OCI distribution spec's
 * grammar before they are put into a URL or a directory path:
 * repository `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`
 * (at most 255 characters with the host), tag `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
 *
 * @example
 *   assertRepository('drover/web'); // ok
 *   assertTag('1.2.3');             // ok
 *   assertTag('-bad');              // throws InvalidInputError
 */
import { InvalidInputError } from '../errors/errors.ts';

const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const REPOSITORY_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** The spec bounds `host/repository`; 255 for the name alone is what registries enforce. */
const MAX_REPOSITORY_LENGTH = 255;

export function isRepository(name: string): boolean {
  return name.length <= MAX_REPOSITORY_LENGTH && REPOSITORY_RE.test(name);
}

export function isTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

export function assertRepository(name: string): string {
  if (!isRepository(name)) {
    throw new InvalidInputError(
      `invalid repository name "${name.slice(0, 300)}": lowercase letters, digits and separators (. _ __ -), components joined by /`,
      { data: { repository: name.slice(0, 300) } },
    );
  }
  return name;
}

export function assertTag(tag: string): string {
  if (!isTag(tag)) {
    throw new InvalidInputError(`invalid tag "${tag.slice(0, 200)}": expected [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`, {
      data: { tag: tag.slice(0, 200) },
    });
  }
  return tag;
}

/** The repository of bundle `name` under an optional prefix: (`team/apps`, `web`) -> `team/apps/web`. */
export function joinRepository({ prefix = '', name }: { prefix?: string; name: string }): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return assertRepository(trimmed ? `${trimmed}/${name}` : name);
}

/**
 * Every tag of a repository, following `Link: <...>; rel="next"` pages. A
 * repository that does not exist has no tags. Pages are size-capped and their
 * number bounded, so a misbehaving registry cannot keep us reading forever.
 */
import { IntegrityError, UnavailableError } from '../errors/errors.ts';
import { errorFromResponse } from './registry-errors.ts';
import { type RegistryTarget, repoPath } from './registry-target.ts';
import type { SignalArgs } from './store.ts';
import { readVerified } from './verify.ts';

const PAGE_SIZE = 1000;
const MAX_PAGES = 1000;
const MAX_PAGE_BYTES = 4 * 1024 * 1024;

/** The `rel="next"` target of a Link header, if any. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m && /(^|;)\s*rel\s*=\s*"?next"?\s*(;|$)/i.test(m[2]!)) return m[1];
  }
  return undefined;
}

export async function registryListTags({ target, signal }: SignalArgs & { target: RegistryTarget }): Promise<string[]> {
  const tags: string[] = [];
  let path: string | URL = `${repoPath(target, 'tags/list')}?n=${PAGE_SIZE}`;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await target.client.request({
      method: 'GET',
      path,
      repository: target.repository,
      access: 'pull',
      signal,
    });
    if (res.status === 404 && page === 0) {
      await res.body?.cancel();
      return [];
    }
    if (res.status !== 200) throw await errorFromResponse(res, `GET tags of ${target.location}`);
    const { bytes } = await readVerified({
      response: res,
      location: target.location,
      maxBytes: MAX_PAGE_BYTES,
      what: 'tag list',
      name: 'tags/list',
    });
    let body: { tags?: unknown };
    try {
      body = JSON.parse(Buffer.from(bytes).toString('utf8')) as { tags?: unknown };
    } catch {
      throw new IntegrityError(`tag list of ${target.location} is not JSON`, { data: { location: target.location } });
    }
    if (Array.isArray(body.tags)) tags.push(...body.tags.filter((t): t is string => typeof t === 'string'));
    const next = nextLink(res.headers.get('link'));
    if (!next) return [...new Set(tags)].sort();
    path = new URL(next, target.client.baseUrl);
  }
  throw new UnavailableError(`tag list of ${target.location} has more than ${MAX_PAGES} pages`, {
    data: { location: target.location },
  });
}

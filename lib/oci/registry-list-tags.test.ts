// Link-header paging, which distribution 2.8 never does on tags/list: a fake
// at the fetch interface stands in for a registry that pages (as Harbor, GHCR
// and distribution 3 do).
import { describe, expect, it } from 'vitest';
import { RegistryClient } from './registry-client.ts';
import { nextLink, registryListTags } from './registry-list-tags.ts';

describe('nextLink', () => {
  it.each([
    ['</v2/a/tags/list?n=2&last=b>; rel="next"', '/v2/a/tags/list?n=2&last=b'],
    ['<https://r/v2/a/tags/list?last=b>;rel=next', 'https://r/v2/a/tags/list?last=b'],
    ['</prev>; rel="prev", </next>; rel="next"', '/next'],
    ['</x>; rel="prev"', undefined],
    [null, undefined],
  ])('%s', (header, expected) => expect(nextLink(header)).toBe(expected));
});

describe('registryListTags', () => {
  it('follows pages until there is no next link', async () => {
    const pages: Record<string, { tags: string[]; next?: string }> = {
      '/v2/team/web/tags/list?n=1000': { tags: ['b', 'a'], next: '/v2/team/web/tags/list?n=2&last=b' },
      '/v2/team/web/tags/list?n=2&last=b': {
        tags: ['c'],
        next: 'http://127.0.0.1:5000/v2/team/web/tags/list?n=2&last=c',
      },
      '/v2/team/web/tags/list?n=2&last=c': { tags: ['d'] },
    };
    const seen: string[] = [];
    const fetch = (async (input: URL | string) => {
      const u = new URL(String(input));
      seen.push(u.pathname + u.search);
      const page = pages[u.pathname + u.search];
      if (!page) return new Response(null, { status: 404 });
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (page.next) headers.link = `<${page.next}>; rel="next"`;
      return new Response(JSON.stringify({ name: 'team/web', tags: page.tags }), { headers });
    }) as typeof globalThis.fetch;
    const client = new RegistryClient({ host: '127.0.0.1:5000', fetch });
    expect(
      await registryListTags({ target: { client, repository: 'team/web', location: '127.0.0.1:5000/team/web' } }),
    ).toEqual(['a', 'b', 'c', 'd']);
    expect(seen).toHaveLength(3);
    expect(client.stats.requests).toBe(3);
  });
});

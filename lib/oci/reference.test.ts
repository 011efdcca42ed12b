import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/errors.ts';
import { LayoutStore } from './layout-store.ts';
import { connectStores, parseStoreReference } from './reference.ts';
import { RegistryStore } from './registry-store.ts';

describe('parseStoreReference', () => {
  it.each([
    ['oci://ghcr.io/acme/bundles', { kind: 'registry', host: 'ghcr.io', prefix: 'acme/bundles' }],
    ['oci://127.0.0.1:5000', { kind: 'registry', host: '127.0.0.1:5000', prefix: '' }],
    ['oci://localhost:5000/drover/', { kind: 'registry', host: 'localhost:5000', prefix: 'drover' }],
    ['oci://Registry.Example.com/x', { kind: 'registry', host: 'registry.example.com', prefix: 'x' }],
    ['oci://[::1]:5000/p', { kind: 'registry', host: '[::1]:5000', prefix: 'p' }],
    ['oci-layout:///srv/drover/../registry', { kind: 'layout', root: '/srv/registry' }],
    ['oci-layout://.drover/registry', { kind: 'layout', root: '/work/proj/.drover/registry' }],
  ])('%s', (ref, expected) => {
    expect(parseStoreReference(ref, { cwd: '/work/proj' })).toEqual(expected);
  });

  it.each([
    ['https://ghcr.io/acme', /expected oci:/],
    ['oci://', /not host/],
    ['oci://ghcr.io:99999/a', /not host/],
    ['oci://gh_cr.io/a', /not host/],
    ['oci://ghcr.io/Acme', /prefix/],
    ['oci://ghcr.io/a//b', /prefix/],
    ['oci://ghcr.io/a?x=1', /query/],
    ['oci-layout://', /oci-layout/],
  ])('refuses %s', (ref, why) => {
    expect(() => parseStoreReference(ref)).toThrow(InvalidInputError);
    expect(() => parseStoreReference(ref)).toThrow(why);
  });

  it('refuses credentials in a reference without echoing them', () => {
    try {
      parseStoreReference('oci://me:s3cret@ghcr.io/acme');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidInputError);
      expect(String(err) + JSON.stringify(err)).not.toContain('s3cret');
    }
  });
});

describe('connectStores', () => {
  it('maps a bundle name to <prefix>/<name> on a registry', async () => {
    const stores = await connectStores({ reference: 'oci://127.0.0.1:5000/team/apps' });
    const web = stores.open('web');
    expect(web).toBeInstanceOf(RegistryStore);
    expect(web.repository).toBe('team/apps/web');
    expect(web.location).toBe('127.0.0.1:5000/team/apps/web');
    expect(() => stores.open('Web')).toThrow(InvalidInputError);
  });

  it('maps a bundle name to <dir>/<name> in a layout root', async () => {
    const stores = await connectStores({ reference: 'oci-layout://reg', cwd: '/tmp/x' });
    const web = stores.open('web') as LayoutStore;
    expect(web).toBeInstanceOf(LayoutStore);
    expect(web.dir).toBe('/tmp/x/reg/web');
    expect(web.location).toBe('oci-layout:///tmp/x/reg/web');
    expect(() => stores.open('a/blobs')).toThrow(/reserved/);
  });

  it('uses plain http only for loopback hosts', async () => {
    const seen: string[] = [];
    const fetch = (async (url: URL | string) => {
      seen.push(String(url));
      return new Response(null, { status: 404 });
    }) as typeof globalThis.fetch;
    for (const ref of ['oci://localhost:5000', 'oci://127.0.0.1:5000', 'oci://registry.example']) {
      await (await connectStores({ reference: ref, fetch })).open('web').listTags();
    }
    await (await connectStores({ reference: 'oci://lan-registry:5000', fetch, insecure: true })).open('web').listTags();
    expect(seen.map((u) => new URL(u).origin)).toEqual([
      'http://localhost:5000',
      'http://127.0.0.1:5000',
      'https://registry.example',
      'http://lan-registry:5000',
    ]);
  });
});

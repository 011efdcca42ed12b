// What a real registry cannot be made to do on demand: serve a manifest under
// the wrong media type, announce a digest its content does not hash to, or
// lie about Content-Length. A fake at the fetch interface plays that registry.
import { describe, expect, it } from 'vitest';
import { IntegrityError } from '../errors/errors.ts';
import { sha256Digest } from './digest.ts';
import { MediaType } from './media-types.ts';
import { RegistryClient } from './registry-client.ts';
import { registryGetManifest } from './registry-get-manifest.ts';
import { registryResolve } from './registry-resolve.ts';

const body = JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: {}, layers: [] });
const digest = sha256Digest(new TextEncoder().encode(body));

function targetAnswering(respond: () => Response) {
  const fetch = (async () => respond()) as typeof globalThis.fetch;
  return {
    client: new RegistryClient({ host: '127.0.0.1:5000', fetch }),
    repository: 'a/b',
    location: '127.0.0.1:5000/a/b',
  };
}

describe('registryGetManifest against a misbehaving registry', () => {
  it('accepts a well-formed answer', async () => {
    const target = targetAnswering(
      () => new Response(body, { headers: { 'content-type': MediaType.ociManifest, 'docker-content-digest': digest } }),
    );
    expect(await registryGetManifest({ target, reference: 'v1' })).toMatchObject({
      digest,
      mediaType: MediaType.ociManifest,
    });
  });

  it.each([
    ['a media type that is not a manifest', { 'content-type': 'text/html' }, body],
    ['a media type other than the document declares', { 'content-type': MediaType.ociIndex }, body],
    [
      'a Docker-Content-Digest the content does not hash to',
      { 'content-type': MediaType.ociManifest, 'docker-content-digest': sha256Digest(new Uint8Array([1])) },
      body,
    ],
    ['content that is not JSON', { 'content-type': MediaType.ociManifest }, 'not json'],
  ])('refuses %s', async (_what, headers, text) => {
    const target = targetAnswering(() => new Response(text, { headers }));
    await expect(registryGetManifest({ target, reference: 'v1' })).rejects.toThrow(IntegrityError);
  });

  it('refuses a body longer than the cap even without a Content-Length', async () => {
    const big = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(new Uint8Array(64 * 1024));
      },
    });
    const target = targetAnswering(() => new Response(big, { headers: { 'content-type': MediaType.ociManifest } }));
    await expect(registryGetManifest({ target, reference: 'v1', maxBytes: 1024 * 1024 })).rejects.toThrow(
      /exceeds the limit/,
    );
  });

  it('refuses a tag whose announced digest is not sha256', async () => {
    const target = targetAnswering(
      () =>
        new Response(null, {
          headers: {
            'content-type': MediaType.ociManifest,
            'docker-content-digest': 'sha512:abc',
            'content-length': '10',
          },
        }),
    );
    await expect(registryResolve({ target, tag: 'v1' })).rejects.toThrow(IntegrityError);
  });
});

import { describe, expect, it } from 'vitest';
import { parseBundleRef } from './bundle-ref.ts';

describe('parseBundleRef', () => {
  it.each([
    ['web@1.0.2', { bundle: 'web', version: '1.0.2' }],
    ['web@sha256:abc', { bundle: 'web', version: 'sha256:abc' }],
  ])('%s', (text, expected) => expect(parseBundleRef(text)).toEqual(expected));

  it.each(['web', '@1.0.0', 'web@'])('refuses %j', (text) =>
    expect(() => parseBundleRef(text)).toThrow(/expected BUNDLE@VERSION/),
  );
});

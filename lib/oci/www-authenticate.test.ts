import { describe, expect, it } from 'vitest';
import { parseWwwAuthenticate } from './www-authenticate.ts';

describe('parseWwwAuthenticate', () => {
  it.each([
    [
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://auth.docker.io/token',
            service: 'registry.docker.io',
            scope: 'repository:library/alpine:pull',
          },
        },
      ],
    ],
    ['Basic realm="Registry Realm"', [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]],
    [
      // a scope with a comma inside quotes, odd spacing, an unquoted value
      'Bearer  realm = "http://127.0.0.1:1/token" , service=reg, scope="repository:a/b:pull,push"',
      [
        {
          scheme: 'bearer',
          params: { realm: 'http://127.0.0.1:1/token', service: 'reg', scope: 'repository:a/b:pull,push' },
        },
      ],
    ],
    [
      'Basic realm="a \\"quoted\\" realm", Bearer realm="https://t/x",service="s"',
      [
        { scheme: 'basic', params: { realm: 'a "quoted" realm' } },
        { scheme: 'bearer', params: { realm: 'https://t/x', service: 's' } },
      ],
    ],
    ['Negotiate abc123==', [{ scheme: 'negotiate', params: { token68: 'abc123==' } }]],
    [
      'BEARER REALM="x",Error="insufficient_scope"',
      [{ scheme: 'bearer', params: { realm: 'x', error: 'insufficient_scope' } }],
    ],
    ['', []],
  ])('%s', (header, expected) => {
    expect(parseWwwAuthenticate(header)).toEqual(expected);
  });
});

import { describe, expect, it } from 'vitest';
import { realmMayReceiveCredentials } from './token-realm.ts';

describe('realmMayReceiveCredentials', () => {
  it.each<[string, string, string[], boolean]>([
    // The registry's own host: same name, same port (the scheme's default when none is written).
    ['https://ghcr.io/token', 'https://ghcr.io', [], true],
    ['https://GHCR.io:443/token', 'https://ghcr.io', [], true],
    ['https://reg.example:8443/auth', 'https://reg.example:8443', [], true],
    ['http://127.0.0.1:5000/token', 'http://127.0.0.1:5000', [], true],
    ['http://127.0.0.1:5001/token', 'http://127.0.0.1:5000', [], false],
    ['http://reg.example/token', 'https://reg.example', [], false],
    ['https://reg.example.evil.io/token', 'https://reg.example', [], false],
    ['https://auth.docker.io/token', 'https://registry-1.docker.io', [], false],
    // Listed hosts.
    ['https://auth.docker.io/token', 'https://registry-1.docker.io', ['auth.docker.io'], true],
    ['https://AUTH.docker.io/token', 'https://registry-1.docker.io', ['Auth.Docker.IO'], true],
    ['https://auth.docker.io:8443/token', 'https://registry-1.docker.io', ['auth.docker.io'], false],
    ['https://auth.example:8443/token', 'https://reg.example', ['auth.example:8443'], true],
    ['https://auth.example.evil.io/token', 'https://reg.example', ['auth.example'], false],
    // Listed URL prefixes: scheme, host and port, then whole path segments.
    ['https://gitlab.com/jwt/auth', 'https://registry.gitlab.com', ['https://gitlab.com/jwt/'], true],
    ['https://gitlab.com/jwt/auth', 'https://registry.gitlab.com', ['https://gitlab.com/jwt'], true],
    ['https://gitlab.com/jwt', 'https://registry.gitlab.com', ['https://gitlab.com/jwt'], true],
    ['https://gitlab.com/jwtx/auth', 'https://registry.gitlab.com', ['https://gitlab.com/jwt'], false],
    ['https://gitlab.com/other', 'https://registry.gitlab.com', ['https://gitlab.com/jwt/'], false],
    ['http://gitlab.com/jwt/auth', 'https://registry.gitlab.com', ['https://gitlab.com/jwt/'], false],
    ['https://gitlab.com.evil.io/jwt/auth', 'https://registry.gitlab.com', ['https://gitlab.com'], false],
    ['https://gitlab.com/anything', 'https://registry.gitlab.com', ['https://gitlab.com'], true],
    // Not a usable realm at all.
    ['not a url', 'https://ghcr.io', ['not a url'], false],
    ['ftp://ghcr.io/token', 'https://ghcr.io', [], false],
  ])('realm %s from registry %s with %j: %s', (realm, registry, tokenRealms, want) => {
    expect(realmMayReceiveCredentials({ realm, registry, tokenRealms })).toBe(want);
  });
});

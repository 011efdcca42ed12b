/**
 * Whether a registry's credentials may go to the token realm its bearer
 * challenge names. The challenge comes from the registry's answer, and
 * whatever a registry says is untrusted: a realm on another host would
 * otherwise collect the registry's user name and password (or identity
 * token) on the registry's word alone. So credentials go only to a realm on
 * the registry's own host, or to one drover.yaml lists in
 * `registryAuth.tokenRealms`; any other realm is asked for a token
 * anonymously.
 *
 * "Same host" means the same host name and the same port, the scheme's
 * default port when none is written: `127.0.0.1:5001` is another host than
 * `127.0.0.1:5000`, as `https://reg.example` (443) is than
 * `http://reg.example` (80). A listed entry is either a host (`auth.docker.io`,
 * which matches a realm on that host at its scheme's default port, or
 * `auth.example:8443`) or a URL prefix (`https://gitlab.com/jwt/`: same
 * scheme, host and port, and a path at or under the prefix's, whole segments
 * only).
 *
 * @example
 *   realmMayReceiveCredentials({ realm: 'https://ghcr.io/token', registry: 'https://ghcr.io', tokenRealms: [] }); // true
 *   realmMayReceiveCredentials({ realm: 'https://auth.docker.io/token', registry: 'https://registry-1.docker.io', tokenRealms: ['auth.docker.io'] }); // true
 *   realmMayReceiveCredentials({ realm: 'https://evil.example/t', registry: 'https://ghcr.io', tokenRealms: [] }); // false
 */

export function realmMayReceiveCredentials({
  realm,
  registry,
  tokenRealms = [],
}: {
  /** The challenge's `realm`, as sent. */
  realm: string;
  /** The registry's base URL (`https://host[:port]`). */
  registry: string;
  /** drover.yaml's `registryAuth.tokenRealms`. */
  tokenRealms?: readonly string[];
}): boolean {
  const at = parse(realm);
  const own = parse(registry);
  if (!at || (at.protocol !== 'https:' && at.protocol !== 'http:')) return false;
  if (own && sameHost(at, own)) return true;
  return tokenRealms.some((entry) => matches(at, entry));
}

function matches(realm: URL, entry: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) {
    const prefix = parse(entry);
    if (!prefix || prefix.protocol !== realm.protocol || !sameHost(realm, prefix)) return false;
    const path = prefix.pathname;
    return path.endsWith('/')
      ? realm.pathname.startsWith(path)
      : realm.pathname === path || realm.pathname.startsWith(`${path}/`);
  }
  // host[:port]: parsed as a URL's authority so that case and IDN are compared as URL hosts are.
  const host = parse(`${realm.protocol}//${entry}/`);
  return host !== undefined && host.hostname === realm.hostname && host.port === realm.port;
}

function sameHost(a: URL, b: URL): boolean {
  return a.hostname === b.hostname && effectivePort(a) === effectivePort(b);
}

function effectivePort(u: URL): string {
  return u.port || (u.protocol === 'https:' ? '443' : u.protocol === 'http:' ? '80' : '');
}

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

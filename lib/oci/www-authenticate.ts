/**
 * Parses a `WWW-Authenticate` header into challenges, as registries send it on
 * a 401: `Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"`
 * or `Basic realm="Registry Realm"`. Quoted strings may contain commas and
 * escaped quotes; several challenges may share one header.
 *
 * @example
 *   parseWwwAuthenticate('Bearer realm="https://a/token",service="reg"')
 *   // => [{ scheme: 'bearer', params: { realm: 'https://a/token', service: 'reg' } }]
 */

export interface AuthChallenge {
  /** Lowercased: `basic`, `bearer`, ... */
  scheme: string;
  /** Parameter names lowercased, values unquoted. */
  params: Record<string, string>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let rest = header;
  let current: AuthChallenge | undefined;
  const skip = (re: RegExp) => {
    rest = rest.replace(re, '');
  };
  for (;;) {
    skip(/^[\s,]+/);
    if (rest === '') break;
    const name = TOKEN.exec(rest)?.[0];
    if (!name) break; // malformed: keep what was understood
    rest = rest.slice(name.length);
    skip(/^[ \t]*/);
    if (rest.startsWith('=')) {
      // name=value: a parameter of the current challenge
      rest = rest.slice(1);
      skip(/^[ \t]*/);
      let value: string;
      if (rest.startsWith('"')) {
        let i = 1;
        value = '';
        while (i < rest.length && rest[i] !== '"') {
          if (rest[i] === '\\' && i + 1 < rest.length) i++;
          value += rest[i];
          i++;
        }
        rest = rest.slice(i + 1);
      } else {
        value = /^[^,\s]*/.exec(rest)![0];
        rest = rest.slice(value.length);
      }
      if (current) current.params[name.toLowerCase()] = value;
    } else {
      current = { scheme: name.toLowerCase(), params: {} };
      challenges.push(current);
      // token68 form (`Negotiate abc==`): kept as a param so it is not mistaken for a scheme
      const t68 = /^([A-Za-z0-9._~+/-]+=*)(?=\s*(,|$))/.exec(rest);
      if (t68 && !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+\s*=[^=]/.test(rest)) {
        current.params.token68 = t68[1]!;
        rest = rest.slice(t68[0].length);
      }
    }
  }
  return challenges;
}

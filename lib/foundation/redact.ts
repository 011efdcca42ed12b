/**
 * Keeping credentials out of everything Drover reports. A URL loses its
 * userinfo (`https://user:pass@host`) and the values of its credential
 * parameters; free text (an error message, a log line) gets the same done to
 * every URL and query it holds; and messages from libraries have any known
 * secret replaced before they are wrapped into a DroverError.
 *
 * Which query (or fragment) parameters carry credentials: those whose name,
 * ignoring case, contains `token`, `secret`, `passw`, `pwd`, `key`, `sig`,
 * `credential`, `auth` or `session`. That covers `token`, `access_token`,
 * `private_token`, `password`, `client_secret`, `api_key`, `sig` (Azure
 * SAS), `X-Amz-Signature`, `X-Amz-Credential`, `X-Goog-Signature`... A
 * name-based rule errs towards hiding: `author=` or `keys=` are hidden too,
 * which costs a log reader a value, never a credential. Their values become
 * `***`; the names stay, so a reader sees that one was there.
 *
 * Written here rather than taken from a library: the npm packages that
 * redact URLs either only strip userinfo or redact object fields by path
 * (pino's `redact`), and neither finds a URL inside a message.
 *
 * @example
 *   redactUrl('https://bot:s3cret@git.example/apps.git'); // 'https://git.example/apps.git'
 *   redactCredentials('GET https://h/x.git?private_token=abc failed'); // 'GET https://h/x.git?private_token=*** failed'
 */

/** Whether a query or fragment parameter of this name carries a credential (the rule above). */
export function isCredentialParam(name: string): boolean {
  return /token|secret|passw|pwd|key|sig|credential|auth|session/i.test(name);
}

/** `name=value` after `?`, `&`, `;` or `#`, for a credential name; the value runs to the next separator, quote or space. */
const CREDENTIAL_PARAM = /([?&;#])([^=&;#?\s"'<>\\]+)=([^&;#\s"'<>\\]*)/g;

/** `scheme://userinfo@`: the userinfo is everything up to the last `@` before the path. */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s"'<>@]*@/gi;

/**
 * `text` with every URL's userinfo dropped and every credential parameter's
 * value replaced by `***`, wherever they appear: a URL, a path with a query,
 * a JSON log line. Text with neither is returned as is.
 */
export function redactCredentials(text: string): string {
  if (!text.includes('=') && !text.includes('@')) return text;
  return text
    .replace(USERINFO, '$1')
    .replace(CREDENTIAL_PARAM, (all, sep: string, name: string, value: string) =>
      value !== '' && value !== '***' && isCredentialParam(safeDecode(name)) ? `${sep}${name}=***` : all,
    );
}

/** The URL without user and password, and with every credential parameter's value `***`. Anything that does not parse as a URL is redacted as text. */
export function redactUrl(url: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return redactCredentials(url);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // Unparseable: drop everything between the scheme and the last '@' of the authority.
    return redactCredentials(url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/]*@/i, '$1'));
  }
  if (u.username || u.password) {
    u.username = '';
    u.password = '';
    url = u.toString();
  }
  return redactCredentials(url);
}

/** Replaces each secret (and its URL-encoded form) in `text` with `***`. Empty secrets are ignored. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (!s) continue;
    for (const form of new Set([s, encodeURIComponent(s)])) out = out.split(form).join('***');
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Keeping credentials out of everything Drover reports: URLs lose their
 * userinfo, and messages from libraries have any known secret replaced before
 * they are wrapped into a DroverError.
 *
 * @example
 *   redactUrl('https://bot:s3cret@git.example/apps.git'); // 'https://git.example/apps.git'
 */

/** The URL without user and password. Anything that does not parse as a URL is returned as is. */
export function redactUrl(url: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url;
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    // Unparseable: drop everything between the scheme and the last '@' of the authority.
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/]*@/i, '$1');
  }
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

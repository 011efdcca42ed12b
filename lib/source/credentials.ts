/**
 * Credentials for remote sources: from environment variables named in the
 * source's auth, from a git-credential-store file, or embedded in the URL,
 * in that order of preference. The values are only handed to isomorphic-git's
 * `onAuth`; nothing here formats them into a message.
 *
 * @example
 *   parseCredentialStore('https://bot:t0ken@git.example\n');
 *   // [{ protocol: 'https', host: 'git.example', path: '', username: 'bot', password: 't0ken' }]
 */
import { readFile } from 'node:fs/promises';
import { InvalidInputError, NotFoundError } from '../errors/errors.ts';
import type { SourceAuth } from './spec.ts';

export interface GitCredentials {
  username: string;
  password: string;
}

export interface CredentialEntry extends GitCredentials {
  protocol: 'http' | 'https';
  /** `hostname[:port]`, lower-case. */
  host: string;
  /** Path without leading or trailing `/`; empty matches every path on the host. */
  path: string;
}

/** The environment values a source may read, handed in by the caller (lib/config reads the process environment). */
export type EnvLookup = Readonly<Record<string, string | undefined>>;

/**
 * Parses git-credential-store text. Blank lines and `#` comments are skipped;
 * other lines that are not `http(s)://user:pass@host[/path]` are errors that
 * give the line number but not the line.
 */
export function parseCredentialStore(
  text: string,
  { file = 'credentials file' }: { file?: string } = {},
): CredentialEntry[] {
  const out: CredentialEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    let u: URL | undefined;
    try {
      u = new URL(line);
    } catch {
      u = undefined;
    }
    if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:') || !u.hostname || (!u.username && !u.password)) {
      throw new InvalidInputError(`${file}: line ${i + 1} is not an http(s)://user:password@host entry`, {
        data: { file, line: i + 1 },
      });
    }
    out.push({
      protocol: u.protocol === 'https:' ? 'https' : 'http',
      host: u.host.toLowerCase(),
      path: decodeURIComponent(u.pathname).replace(/^\/+|\/+$/g, ''),
      username: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
    });
  });
  return out;
}

/**
 * The first entry that matches `url` by protocol and host (with port), as
 * git's credential-store does; an entry with a path matches only URLs under it.
 */
export function findCredential({
  entries,
  url,
}: {
  entries: readonly CredentialEntry[];
  url: string;
}): GitCredentials | undefined {
  const u = new URL(url);
  const protocol = u.protocol.replace(/:$/, '');
  const path = decodeURIComponent(u.pathname).replace(/^\/+|\/+$/g, '');
  const hit = entries.find(
    (e) =>
      e.protocol === protocol &&
      e.host === u.host.toLowerCase() &&
      (e.path === '' || path === e.path || path.startsWith(`${e.path}/`)),
  );
  return hit ? { username: hit.username, password: hit.password } : undefined;
}

/**
 * Resolves the credentials for `url` from the source's auth settings.
 * Env-named credentials win, then the credentials file, then those from the URL.
 * Returns undefined when none apply (anonymous access).
 */
export async function resolveCredentials({
  auth,
  url,
  env = {},
  urlCredentials,
  signal,
}: {
  auth: SourceAuth;
  url: string;
  env?: EnvLookup;
  urlCredentials?: GitCredentials;
  signal?: AbortSignal;
}): Promise<GitCredentials | undefined> {
  const fromEnv = (field: keyof SourceAuth): string => {
    const name = auth[field]!;
    const value = env[name];
    if (value === undefined || value === '') {
      throw new InvalidInputError(`environment variable ${name} (source auth.${field}) is not set`, {
        data: { field: `auth.${field}`, variable: name },
      });
    }
    return value;
  };
  if (auth.tokenEnv) {
    return { username: auth.usernameEnv ? fromEnv('usernameEnv') : 'x-access-token', password: fromEnv('tokenEnv') };
  }
  if (auth.passwordEnv || auth.usernameEnv) {
    return {
      username: auth.usernameEnv ? fromEnv('usernameEnv') : '',
      password: auth.passwordEnv ? fromEnv('passwordEnv') : '',
    };
  }
  if (auth.credentialsFile) {
    let text: string;
    try {
      text = await readFile(auth.credentialsFile, { encoding: 'utf8', signal });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new NotFoundError(`credentials file ${auth.credentialsFile} does not exist`, {
          data: { file: auth.credentialsFile },
        });
      }
      throw err;
    }
    const found = findCredential({ entries: parseCredentialStore(text, { file: auth.credentialsFile }), url });
    if (found) return found;
  }
  return urlCredentials;
}

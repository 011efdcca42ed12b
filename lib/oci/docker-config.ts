/**
 * Registry credentials from a Docker `config.json`, the file `docker login`,
 * `oras login` and most CI systems write: `auths[host].auth` (base64
 * `user:password`), or `username`/`password`, and an optional
 * `identitytoken` (an OAuth2 refresh token). Keys may be bare hosts or URLs
 * (`https://host/v1/`). Credential helpers (`credsStore`, `credHelpers`) are
 * not run: a host only reachable through one gets no credentials from here.
 *
 * Nothing here reads the process environment; the caller (lib/config) passes it.
 * RegistryCredentials never appear in a thrown message or in error data.
 *
 * @example
 *   const path = dockerConfigPath({ env: process.env, homeDir: os.homedir() });
 *   const creds = await readDockerCredentials({ path, host: 'ghcr.io' });
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError } from '../errors/errors.ts';

export interface RegistryCredentials {
  username?: string;
  password?: string;
  /** OAuth2 refresh token, exchanged at the token realm (`grant_type=refresh_token`). */
  identityToken?: string;
}

/** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function dockerConfigPath({
  env,
  homeDir,
}: {
  env: Record<string, string | undefined>;
  homeDir: string;
}): string {
  const dir = env.DOCKER_CONFIG ? env.DOCKER_CONFIG : join(homeDir, '.docker');
  return join(dir, 'config.json');
}

const HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/** `https://index.docker.io/v1/` -> `docker.io`; `HTTP://Host:5000/x` -> `host:5000`. */
export function normalizeRegistryHost(key: string): string {
  const host = key
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .split('/')[0]!
    .toLowerCase();
  return HUB_ALIASES.has(host) ? 'docker.io' : host;
}

interface AuthEntry {
  auth?: unknown;
  username?: unknown;
  password?: unknown;
  identitytoken?: unknown;
}

/** Picks the credentials for `host` out of a parsed config.json; undefined when it has none. */
export function credentialsFromDockerConfig({
  config,
  host,
  source = 'docker config',
}: {
  config: unknown;
  host: string;
  source?: string;
}): RegistryCredentials | undefined {
  if (typeof config !== 'object' || config === null) return undefined;
  const auths = (config as { auths?: unknown }).auths;
  if (typeof auths !== 'object' || auths === null) return undefined;
  const wanted = normalizeRegistryHost(host);
  const key = Object.keys(auths).find((k) => normalizeRegistryHost(k) === wanted);
  if (key === undefined) return undefined;
  const entry = (auths as Record<string, AuthEntry>)[key];
  if (typeof entry !== 'object' || entry === null) return undefined;
  const creds: RegistryCredentials = {};
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) {
      throw new InvalidInputError(`${source}: the "auth" entry for ${wanted} is not base64 of user:password`, {
        data: { file: source, host: wanted },
      });
    }
    creds.username = decoded.slice(0, colon);
    creds.password = decoded.slice(colon + 1);
  } else {
    if (typeof entry.username === 'string' && entry.username !== '') creds.username = entry.username;
    if (typeof entry.password === 'string') creds.password = entry.password;
  }
  if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') creds.identityToken = entry.identitytoken;
  return creds.username !== undefined || creds.identityToken !== undefined ? creds : undefined;
}

/** Reads `path` and returns the credentials for `host`; a missing file means none. */
export async function readDockerCredentials({
  path,
  host,
  signal,
}: {
  path: string;
  host: string;
  signal?: AbortSignal;
}): Promise<RegistryCredentials | undefined> {
  let text: string;
  try {
    text = await readFile(path, { encoding: 'utf8', signal });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch {
    // The parser's message can quote the file's content, which holds secrets: drop it.
    throw new InvalidInputError(`${path}: not valid JSON`, { data: { file: path } });
  }
  return credentialsFromDockerConfig({ config, host, source: path });
}

/**
 * Store references as users write them in drover.yaml, and the stores they
 * open. `oci://host[:port]/prefix` is a registry: bundle `web` lives in
 * repository `<prefix>/web`. `oci-layout://<dir>` is the embedded store: one
 * image layout per repository under `<dir>` (see layout-store.ts); a relative
 * `<dir>` is taken from `cwd`. Credentials in a reference are refused: they
 * come from options or a Docker config file, never from a string that gets
 * logged.
 *
 * @example
 *   parseStoreReference('oci://ghcr.io/acme/bundles') // { kind: 'registry', host: 'ghcr.io', prefix: 'acme/bundles' }
 *   const stores = await connectStores({ reference: 'oci-layout://.drover/registry', cwd });
 *   const web = stores.open('web');
 */
import { isAbsolute, resolve } from 'node:path';
import { InvalidInputError } from '../errors/errors.ts';
import { type RegistryCredentials, readDockerCredentials } from './docker-config.ts';
import { LayoutStore } from './layout-store.ts';
import { assertRepository, joinRepository } from './names.ts';
import { RegistryClient } from './registry-client.ts';
import { RegistryStore } from './registry-store.ts';
import { type OciStore, type StoreStats, emptyStats } from './store.ts';
import type { HttpFetch } from './http-fetch.ts';

export type StoreReference = { kind: 'registry'; host: string; prefix: string } | { kind: 'layout'; root: string };

const HOST_RE =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::(\d{1,5}))?$/;

function invalid(reference: string, why: string): InvalidInputError {
  // Never echo what might be userinfo.
  const shown = reference.replace(/\/\/[^/@]*@/, '//***@').slice(0, 300);
  return new InvalidInputError(`invalid registry reference "${shown}": ${why}`, { data: { reference: shown } });
}

/** Parses `oci://host[:port][/prefix]` or `oci-layout://<dir>`; a relative dir is resolved against `cwd`. */
export function parseStoreReference(reference: string, { cwd = process.cwd() }: { cwd?: string } = {}): StoreReference {
  if (reference.startsWith('oci-layout://')) {
    const dir = reference.slice('oci-layout://'.length);
    if (dir === '') throw invalid(reference, 'expected oci-layout://<dir>');
    if (dir.includes('\0')) throw invalid(reference, 'the directory contains a NUL byte');
    return { kind: 'layout', root: isAbsolute(dir) ? resolve(dir) : resolve(cwd, dir) };
  }
  if (!reference.startsWith('oci://'))
    throw invalid(reference, 'expected oci://host[:port]/prefix or oci-layout://<dir>');
  const rest = reference.slice('oci://'.length);
  if (/[?#]/.test(rest)) throw invalid(reference, 'no query or fragment allowed');
  const slash = rest.indexOf('/');
  const host = slash === -1 ? rest : rest.slice(0, slash);
  const prefix = slash === -1 ? '' : rest.slice(slash + 1).replace(/\/+$/, '');
  if (host.includes('@'))
    throw invalid(
      reference,
      'credentials do not belong in a reference; use a Docker config file or the credentials option',
    );
  const m = HOST_RE.exec(host);
  if (!m || (m[1] !== undefined && Number(m[1]) > 65535)) throw invalid(reference, `"${host}" is not host[:port]`);
  if (prefix !== '') {
    try {
      assertRepository(prefix);
    } catch {
      throw invalid(reference, `prefix "${prefix}" is not a valid repository path`);
    }
  }
  return { kind: 'registry', host: host.toLowerCase(), prefix };
}

export interface ConnectStoresOptions {
  reference: string | StoreReference;
  /** For `oci-layout://` with a relative directory. */
  cwd?: string;
  /** Explicit registry credentials; win over the Docker config. */
  credentials?: RegistryCredentials;
  /** A Docker config.json to take credentials from (see dockerConfigPath()). */
  dockerConfigPath?: string;
  /** Plain http to a non-loopback registry. */
  insecure?: boolean;
  /** Token realms besides the registry's own host that may be sent its credentials (token-realm.ts). */
  tokenRealms?: readonly string[];
  fetch?: HttpFetch;
  chunkThresholdBytes?: number;
  chunkSizeBytes?: number;
  signal?: AbortSignal;
}

export interface Stores {
  reference: StoreReference;
  /** Counters of every store opened from here (requests, blob uploads...). */
  stats: StoreStats;
  /** The store of one bundle: repository `<prefix>/<name>` (registry) or `<dir>/<name>` (layout). */
  open(name: string): OciStore;
  /** Resolves when the registry answers (a layout directory always does); throws UnavailableError when it does not. */
  ping(signal?: AbortSignal): Promise<void>;
}

/**
 * Connects to what a reference names, once: stores opened from the result
 * share one registry client (one token cache, one set of counters).
 */
export async function connectStores({
  reference,
  cwd,
  credentials,
  dockerConfigPath,
  insecure,
  tokenRealms,
  fetch,
  chunkThresholdBytes,
  chunkSizeBytes,
  signal,
}: ConnectStoresOptions): Promise<Stores> {
  const ref = typeof reference === 'string' ? parseStoreReference(reference, { cwd }) : reference;
  if (ref.kind === 'layout') {
    const stats = emptyStats();
    return {
      reference: ref,
      stats,
      open: (name) => new LayoutStore({ root: ref.root, repository: assertRepository(name), stats }),
      ping: async () => {},
    };
  }
  const creds =
    credentials ??
    (dockerConfigPath ? await readDockerCredentials({ path: dockerConfigPath, host: ref.host, signal }) : undefined);
  const client = new RegistryClient({ host: ref.host, insecure, credentials: creds, tokenRealms, fetch });
  return {
    reference: ref,
    stats: client.stats,
    open: (name) =>
      new RegistryStore({
        client,
        repository: joinRepository({ prefix: ref.prefix, name }),
        chunkThresholdBytes,
        chunkSizeBytes,
      }),
    ping: (signal) => client.ping(signal),
  };
}

/** One bundle's store: `connectStores(options).open(name)`. */
export async function openStore({ name, ...options }: ConnectStoresOptions & { name: string }): Promise<OciStore> {
  return (await connectStores(options)).open(name);
}

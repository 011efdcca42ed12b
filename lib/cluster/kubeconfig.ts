/**
 * A kubeconfig context turned into what an HTTPS request needs (server, CA,
 * client certificate, bearer token), read with our own small parser for the
 * common cases: a static or file token, client certificates, a CA file or
 * data, `insecure-skip-tls-verify`, `tls-server-name`, `as`. That is all a
 * ServiceAccount (in-cluster, `drover agent`) or a local control plane needs,
 * and it keeps @kubernetes/client-node out of the process: loading it costs
 * about 75 MB of RSS (its generated API models come with its KubeConfig),
 * more than the rest of `drover agent` together. A context whose user runs a
 * credential plugin (`exec`, `auth-provider`: cloud clusters) is handed to
 * @kubernetes/client-node, loaded then and only then. (Basic auth and
 * `proxy-url` were never honoured, by either path.)
 *
 * A `token-file` is read again at most every minute, as client-go does, so a
 * projected ServiceAccount token that the kubelet rotates is picked up.
 *
 * @example
 *   const creds = await kubeCredentials({ kubeconfig: '~/.kube/config', context: 'c1', name: 'c1' });
 *   https.request(creds.server + '/version', { ...creds.tls, headers: { ...creds.headers(), accept: 'application/json' } });
 */
import { readFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import { InvalidInputError } from '../errors/errors.ts';

export interface KubeCredentials {
  /** The API server's URL, without a trailing slash. */
  server: string;
  /** TLS settings for the HTTPS agent: ca, cert, key, rejectUnauthorized, servername. */
  tls: Pick<RequestOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername'>;
  /** The headers every request carries (Authorization, Impersonate-User); a token file is re-read when a minute old. */
  headers: () => Record<string, string>;
}

/** Re-read a token file this often (client-go's interval). */
const TOKEN_FILE_MS = 60_000;

type Entry = Record<string, unknown>;

/** The named entry of a kubeconfig list (`clusters`, `users`, `contexts`), its inner object. */
function entry(doc: Entry, list: string, key: string, name: string): Entry | undefined {
  const items = Array.isArray(doc[list]) ? (doc[list] as Entry[]) : [];
  const found = items.find((x) => x && x.name === name);
  return found && typeof found[key] === 'object' && found[key] !== null ? (found[key] as Entry) : undefined;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The file or the base64 data of a kubeconfig field pair, paths relative to the kubeconfig's directory (as kubectl reads them). */
function fileOrData(dir: string, file: unknown, data: unknown): Buffer | undefined {
  if (text(file)) return readFileSync(isAbsolute(file as string) ? (file as string) : join(dir, file as string));
  if (text(data)) return Buffer.from(data as string, 'base64');
  return undefined;
}

/** Why a context needs @kubernetes/client-node (a credential plugin), or undefined when ours reads it. */
function needsClientNode(user: Entry): string | undefined {
  if (user.exec) return 'exec credential plugin';
  if (user['auth-provider']) return 'auth-provider';
  return undefined;
}

/** The kubeconfig file parsed, a YAML mapping; InvalidInputError naming the file otherwise. */
function readKubeconfig(kubeconfig: string): Entry {
  try {
    const parsed: unknown = parse(readFileSync(kubeconfig, 'utf8'));
    if (!parsed || typeof parsed !== 'object') throw new Error('not a kubeconfig (expected a YAML mapping)');
    return parsed as Entry;
  } catch (err) {
    throw new InvalidInputError(`${kubeconfig}: cannot read kubeconfig: ${(err as Error).message}`, {
      data: { file: kubeconfig },
      cause: err,
    });
  }
}

/** What a context names: its cluster (with a server) and its user (empty when it names none). */
function assembleContext({
  doc,
  kubeconfig,
  context,
  name,
}: {
  doc: Entry;
  kubeconfig: string;
  context: string;
  name: string;
}): { cluster: Entry; server: string; user: Entry } {
  const ctx = entry(doc, 'contexts', 'context', context);
  if (!ctx)
    throw new InvalidInputError(`${kubeconfig}: no context ${context} for cluster ${name}`, {
      data: { file: kubeconfig, context },
    });
  const cluster = text(ctx.cluster) ? entry(doc, 'clusters', 'cluster', ctx.cluster as string) : undefined;
  const server = text(cluster?.server);
  if (!cluster || !server)
    throw new InvalidInputError(`${kubeconfig}: context ${context} has no cluster`, {
      data: { file: kubeconfig, context },
    });
  const user = (text(ctx.user) ? entry(doc, 'users', 'user', ctx.user as string) : undefined) ?? {};
  return { cluster, server, user };
}

/** The TLS settings of a context: its CA, client certificate and key read from file or data. */
function readTls({
  dir,
  cluster,
  user,
  kubeconfig,
  context,
}: {
  dir: string;
  cluster: Entry;
  user: Entry;
  kubeconfig: string;
  context: string;
}): KubeCredentials['tls'] {
  try {
    const ca = fileOrData(dir, cluster['certificate-authority'], cluster['certificate-authority-data']);
    const cert = fileOrData(dir, user['client-certificate'], user['client-certificate-data']);
    const key = fileOrData(dir, user['client-key'], user['client-key-data']);
    return {
      ...(ca ? { ca } : {}),
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
      rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
      ...(text(cluster['tls-server-name']) ? { servername: cluster['tls-server-name'] as string } : {}),
    };
  } catch (err) {
    throw new InvalidInputError(
      `${kubeconfig}: context ${context}: cannot read a certificate or key: ${(err as Error).message}`,
      { data: { file: kubeconfig, context }, cause: err },
    );
  }
}

/**
 * The headers of a context's user: Impersonate-User for `as`, Authorization
 * for a static token or a token file, the file read now (so a missing one
 * fails here) and again when a minute old.
 */
function readHeaders({
  dir,
  user,
  kubeconfig,
  context,
}: {
  dir: string;
  user: Entry;
  kubeconfig: string;
  context: string;
}): KubeCredentials['headers'] {
  const fixed: Record<string, string> = text(user.as) ? { 'Impersonate-User': user.as as string } : {};
  const token = text(user.token);
  const tokenFile = text(user['token-file']);
  let fileToken: { value: string; at: number } | undefined;
  const readToken = (): string => {
    if (!fileToken || Date.now() - fileToken.at > TOKEN_FILE_MS) {
      const path = isAbsolute(tokenFile!) ? tokenFile! : join(dir, tokenFile!);
      try {
        fileToken = { value: readFileSync(path, 'utf8').trim(), at: Date.now() };
      } catch (err) {
        // A token read before stays in use until the file is readable again.
        if (!fileToken)
          throw new InvalidInputError(
            `${kubeconfig}: context ${context}: cannot read token-file ${path}: ${(err as Error).message}`,
            { data: { file: kubeconfig, context }, cause: err },
          );
      }
    }
    return fileToken!.value;
  };
  if (tokenFile && !token) readToken();
  return () => {
    const bearer = token ?? (tokenFile ? readToken() : undefined);
    return bearer ? { ...fixed, Authorization: `Bearer ${bearer}` } : fixed;
  };
}

/**
 * The credentials of one context of a kubeconfig file. InvalidInputError
 * naming the file when it cannot be read, has no such context, or the
 * context names no cluster with a server.
 */
export async function kubeCredentials({
  kubeconfig,
  context,
  name,
}: {
  kubeconfig: string;
  context: string;
  name: string;
}): Promise<KubeCredentials> {
  const doc = readKubeconfig(kubeconfig);
  const { cluster, server, user } = assembleContext({ doc, kubeconfig, context, name });
  const plugin = needsClientNode(user);
  if (plugin) return clientNodeCredentials({ kubeconfig, context, server });
  const dir = dirname(kubeconfig);
  const tls = readTls({ dir, cluster, user, kubeconfig, context });
  const headers = readHeaders({ dir, user, kubeconfig, context });
  return { server: server.replace(/\/$/, ''), tls, headers };
}

/** Credential plugins and proxies, through @kubernetes/client-node: loaded only for such a context. */
async function clientNodeCredentials({
  kubeconfig,
  context,
  server,
}: {
  kubeconfig: string;
  context: string;
  server: string;
}): Promise<KubeCredentials> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(kubeconfig);
  } catch (err) {
    throw new InvalidInputError(`${kubeconfig}: cannot read kubeconfig: ${(err as Error).message}`, {
      data: { file: kubeconfig },
      cause: err,
    });
  }
  kc.setCurrentContext(context);
  const opts: RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const headers = { ...(opts.headers as Record<string, string> | undefined) };
  return {
    server: server.replace(/\/$/, ''),
    tls: {
      ca: opts.ca,
      cert: opts.cert,
      key: opts.key,
      rejectUnauthorized: opts.rejectUnauthorized ?? true,
      ...(opts.servername ? { servername: opts.servername } : {}),
    },
    headers: () => headers,
  };
}

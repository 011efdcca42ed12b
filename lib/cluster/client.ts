/**
 * The HTTP client for one cluster: credentials and TLS from a kubeconfig
 * context (./kubeconfig.ts), keep-alive connections,
 * a token bucket per cluster, and retries: 429 and 503 honour Retry-After,
 * other server errors and dropped connections back off exponentially with
 * jitter (idempotent requests only). Everything else in lib/cluster speaks
 * through `request` and `stream`.
 *
 * @example
 *   const c = await ClusterClient.connect({ name: 'c1', kubeconfig, context: 'c1' });
 *   const { body } = await c.request({ method: 'GET', path: '/version' });
 */
import type { IncomingMessage } from 'node:http';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, type RequestOptions, request as httpsRequest } from 'node:https';
import { UnavailableError } from '../errors/errors.ts';
import { kubeError } from './kube-error.ts';
import { type KubeCredentials, kubeCredentials } from './kubeconfig.ts';
import { TokenBucket } from './limiter.ts';

export interface ClusterClientOptions {
  /** Drover's name for the cluster (used in messages). */
  name: string;
  kubeconfig: string;
  context: string;
  /**
   * Average requests per second (default 500) and burst (default 1000). A
   * release costs about two requests per member (dry run, then apply) plus
   * health polls; 200/s made the bucket, not the API server, the limit for a
   * 1,000-object bundle. In-flight requests are bounded by the callers'
   * concurrency and `maxSockets`, and the server's own 429s are honoured.
   */
  qps?: number;
  burst?: number;
  /** Parallel connections (default 32). */
  maxSockets?: number;
  /** Attempts per request including the first (default 6). */
  maxAttempts?: number;
}

export interface RequestArgs {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
  /** How to name what the request is about in errors (`Kind/ns/name`); default the path. */
  subject?: string;
  signal?: AbortSignal;
}

export interface KubeResponse<T> {
  status: number;
  body: T;
}

export interface ClientStats {
  requests: number;
  retries: number;
  byMethod: Record<string, number>;
  /** Requests that may change the cluster: POST, PUT, PATCH or DELETE without `dryRun`. */
  writes: number;
  /** Mutating requests sent with `dryRun` (the server persists nothing). */
  dryRuns: number;
}

const idempotent = new Set(['GET', 'PUT', 'PATCH', 'DELETE']);

export class ClusterClient {
  readonly name: string;
  readonly server: string;
  readonly stats: ClientStats = { requests: 0, retries: 0, byMethod: {}, writes: 0, dryRuns: 0 };
  #base: RequestOptions;
  #headers: KubeCredentials['headers'];
  #agent: HttpAgent | HttpsAgent;
  #limiter: TokenBucket;
  #maxAttempts: number;
  #secure: boolean;

  private constructor(name: string, creds: KubeCredentials, opts: ClusterClientOptions) {
    this.name = name;
    this.server = creds.server;
    this.#secure = this.server.startsWith('https:');
    const maxSockets = opts.maxSockets ?? 32;
    const { ca, cert, key, rejectUnauthorized, servername } = creds.tls;
    this.#agent = this.#secure
      ? new HttpsAgent({ keepAlive: true, maxSockets, ca, cert, key, rejectUnauthorized: rejectUnauthorized ?? true })
      : new HttpAgent({ keepAlive: true, maxSockets });
    this.#base = { agent: this.#agent, servername };
    this.#headers = creds.headers;
    this.#limiter = new TokenBucket({ qps: opts.qps ?? 500, burst: opts.burst ?? 1000 });
    this.#maxAttempts = opts.maxAttempts ?? 6;
  }

  static async connect(opts: ClusterClientOptions): Promise<ClusterClient> {
    return new ClusterClient(
      opts.name,
      await kubeCredentials({ kubeconfig: opts.kubeconfig, context: opts.context, name: opts.name }),
      opts,
    );
  }

  /** A request whose response body is JSON (or empty). Non-2xx answers throw a classified error. */
  async request<T = unknown>(args: RequestArgs): Promise<KubeResponse<T>> {
    const res = await this.#send(args);
    const text = await readBody(res);
    const status = res.statusCode ?? 0;
    const body = parseJson(text);
    if (status < 200 || status >= 300)
      throw kubeError(args.subject ?? `${this.name} ${args.method} ${args.path}`, status, body ?? text);
    return { status, body: body as T };
  }

  /** A streaming request (watch): resolves with the open response once the server answers 2xx. */
  async stream(args: RequestArgs): Promise<IncomingMessage> {
    const res = await this.#send(args);
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      const text = await readBody(res);
      throw kubeError(args.subject ?? `${this.name} ${args.method} ${args.path}`, status, parseJson(text) ?? text);
    }
    return res;
  }

  close(): void {
    this.#agent.destroy();
  }

  async #send(args: RequestArgs): Promise<IncomingMessage> {
    const url = new URL(this.server + args.path);
    for (const [k, v] of Object.entries(args.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const payload =
      args.body === undefined ? undefined : typeof args.body === 'string' ? args.body : JSON.stringify(args.body);
    for (let attempt = 1; ; attempt++) {
      args.signal?.throwIfAborted();
      await this.#limiter.take();
      this.stats.requests++;
      this.stats.byMethod[args.method] = (this.stats.byMethod[args.method] ?? 0) + 1;
      if (args.method !== 'GET') {
        if (args.query?.dryRun) this.stats.dryRuns++;
        else this.stats.writes++;
      }
      let res: IncomingMessage;
      try {
        res = await this.#once(url, args, payload);
      } catch (err) {
        if (args.signal?.aborted) throw args.signal.reason;
        if (attempt >= this.#maxAttempts || !idempotent.has(args.method)) {
          throw new UnavailableError(`${this.name}: ${args.method} ${args.path}: ${(err as Error).message}`, {
            data: { cluster: this.name, dependency: 'cluster' },
            cause: err,
          });
        }
        this.stats.retries++;
        await sleep(backoffMs(attempt), args.signal);
        continue;
      }
      const status = res.statusCode ?? 0;
      const retryable =
        status === 429 || (status >= 500 && status !== 501 && idempotent.has(args.method)) || status === 503;
      if (retryable && attempt < this.#maxAttempts) {
        const after = Number(res.headers['retry-after']);
        res.resume();
        this.stats.retries++;
        // Retry-After is the server's word; cap it so one bad answer cannot stall a release for long.
        const waitMs =
          Number.isFinite(after) && after > 0
            ? Math.min(after * 1000, 30_000) + Math.random() * 250
            : backoffMs(attempt);
        await sleep(waitMs, args.signal);
        continue;
      }
      return res;
    }
  }

  #once(url: URL, args: RequestArgs, payload: string | undefined): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = {
        ...this.#headers(),
        accept: args.accept ?? 'application/json',
      };
      if (payload !== undefined) {
        headers['content-type'] = args.contentType ?? 'application/json';
        headers['content-length'] = Buffer.byteLength(payload);
      }
      const send = this.#secure ? httpsRequest : httpRequest;
      const req = send(url, { ...this.#base, method: args.method, headers, signal: args.signal }, resolve);
      req.on('error', reject);
      req.end(payload);
    });
  }
}

/**
 * The wait before retrying one request: exponential from 200 ms to 5 s with
 * "equal jitter", so many clients retrying one API server spread out. Not the
 * work queue's backoff (lib/schedule), which schedules a whole task per key
 * over minutes and needs no jitter; an adapter does not reach up to it.
 */
function backoffMs(attempt: number): number {
  const base = Math.min(200 * 2 ** (attempt - 1), 5000);
  return base / 2 + Math.random() * (base / 2);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

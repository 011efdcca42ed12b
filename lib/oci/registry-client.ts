/**
 * The HTTP core of the registry backend: one client per registry host. It
 * sends requests under `/v2/`, answers auth challenges (basic, or a bearer
 * token fetched from the challenge's realm and cached per scope until it
 * expires), remembers the challenge so later requests carry auth up front
 * (no 401 round trip each time), and counts every request in `stats`.
 *
 * Plain http is used only for loopback hosts or when `insecure` is set.
 * Authorization is only ever sent to the registry's own origin, and
 * credentials never appear in errors. A bearer challenge's token realm gets
 * the credentials only when it is on the registry's own host or listed in
 * `tokenRealms` (token-realm.ts); any other realm is asked anonymously, and
 * a refusal then names drover.yaml's `registryAuth.tokenRealms`.
 *
 * Drover has its own client because no well-kept Node library speaks the
 * OCI distribution API with these guarantees (auth kept to the registry's
 * origin, scoped token cache, request counts); the protocol is plain HTTP
 * over http-fetch.ts (node:http and node:https; why not Node's fetch: there).
 *
 * @example
 *   const client = new RegistryClient({ host: 'ghcr.io', credentials: { username, password } });
 *   const res = await client.request({ method: 'HEAD', path: '/v2/org/app/manifests/1.0.0', repository: 'org/app', access: 'pull' });
 */
import { UnauthorizedError, UnavailableError } from '../errors/errors.ts';
import type { RegistryCredentials } from './docker-config.ts';
import { hostnameOf, isLoopbackHost } from './loopback.ts';
import { type BearerToken, fetchToken } from './registry-token.ts';
import { realmMayReceiveCredentials } from './token-realm.ts';
import { type StoreStats, emptyStats } from './store.ts';
import { type AuthChallenge, parseWwwAuthenticate } from './www-authenticate.ts';
import { type HttpFetch, type HttpResponse, httpFetch } from './http-fetch.ts';

export interface RegistryClientOptions {
  /** `host[:port]`, as in image references. */
  host: string;
  /** Allow plain http to a non-loopback host. */
  insecure?: boolean;
  credentials?: RegistryCredentials;
  /** Token realms besides the registry's own host that may be sent the credentials (drover.yaml's `registryAuth.tokenRealms`). */
  tokenRealms?: readonly string[];
  fetch?: HttpFetch;
}

export type Access = 'pull' | 'push';

export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH';
  /** A path under the registry (`/v2/...`) or an absolute URL (upload locations). */
  path: string | URL;
  repository: string;
  access: Access;
  headers?: Record<string, string>;
  body?: Uint8Array;
  signal?: AbortSignal;
}

export class RegistryClient {
  readonly host: string;
  readonly baseUrl: string;
  readonly insecure: boolean;
  readonly stats: StoreStats = emptyStats();
  readonly #credentials: RegistryCredentials | undefined;
  readonly #tokenRealms: readonly string[];
  readonly #fetch: HttpFetch;
  #challenge: AuthChallenge | undefined;
  readonly #tokens = new Map<string, Promise<BearerToken>>();

  constructor({ host, insecure = false, credentials, tokenRealms = [], fetch = httpFetch }: RegistryClientOptions) {
    this.host = host;
    this.insecure = insecure;
    const plain = insecure || isLoopbackHost(hostnameOf(host));
    this.baseUrl = `${plain ? 'http' : 'https'}://${host}`;
    this.#credentials = credentials;
    this.#tokenRealms = tokenRealms;
    this.#fetch = fetch;
  }

  /** Sends a request, answering one auth challenge. Returns the response whatever its status, except 401. */
  async request(req: RegistryRequest): Promise<HttpResponse> {
    const url = req.path instanceof URL ? req.path : new URL(req.path, this.baseUrl);
    const sameOrigin = url.origin === new URL(this.baseUrl).origin;
    const firstAuth = sameOrigin ? await this.#authorization(req, undefined) : undefined;
    const first = await this.#send(req, url, firstAuth);
    if (first.status !== 401 || !sameOrigin) return first;
    const header = first.headers.get('www-authenticate') ?? '';
    await first.body?.cancel();
    const challenges = parseWwwAuthenticate(header);
    const challenge = challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
    if (!challenge) {
      throw new UnauthorizedError(`${req.method} ${this.#describe(url)}: HTTP 401 with no usable challenge`, {
        data: { host: this.host },
      });
    }
    this.#challenge = challenge;
    if (firstAuth?.startsWith('Bearer ')) await this.#forgetToken(scopeOf(req), firstAuth.slice('Bearer '.length)); // expired early or too narrow
    const auth = await this.#authorization(req, challenge.params.scope);
    if (auth === undefined) {
      throw new UnauthorizedError(`${this.host} requires credentials (${challenge.scheme}) for ${req.repository}`, {
        data: { host: this.host, repository: req.repository },
      });
    }
    const second = await this.#send(req, url, auth);
    if (second.status === 401) {
      await second.body?.cancel();
      const withheld = this.#withheldFrom(challenge);
      throw new UnauthorizedError(
        withheld
          ? `${this.host} refused the anonymous token for ${req.access} on ${req.repository}: ${withheldHint(withheld)}`
          : `${this.host} refused the credentials for ${req.access} on ${req.repository}`,
        {
          data: {
            host: this.host,
            repository: req.repository,
            access: req.access,
            ...(withheld ? { realm: withheld } : {}),
          },
        },
      );
    }
    return second;
  }

  /**
   * Whether the registry answers at all: `GET /v2/`, where any HTTP answer
   * below 500 (401 included) means it is up. Throws UnavailableError otherwise.
   */
  async ping(signal?: AbortSignal): Promise<void> {
    const res = await this.#send(
      { method: 'GET', path: '/v2/', repository: '', access: 'pull', signal },
      new URL('/v2/', this.baseUrl),
      undefined,
    );
    await res.body?.cancel();
    if (res.status >= 500)
      throw new UnavailableError(`GET ${this.#describe(new URL('/v2/', this.baseUrl))}: HTTP ${res.status}`, {
        data: { host: this.host, status: res.status, dependency: 'registry' },
      });
  }

  async #send(req: RegistryRequest, url: URL, authorization: string | undefined): Promise<HttpResponse> {
    const headers: Record<string, string> = { 'user-agent': 'drover', ...req.headers };
    if (authorization) headers.authorization = authorization;
    this.stats.requests++;
    try {
      const res = await this.#fetch(url, { method: req.method, headers, body: req.body, signal: req.signal });
      if (res.status < 500) this.stats.answeredAtMs = Date.now();
      else this.stats.unansweredAtMs = Date.now();
      return res;
    } catch (err) {
      if (req.signal?.aborted) throw err;
      this.stats.unansweredAtMs = Date.now();
      const cause = (err as Error & { cause?: { message?: string } }).cause?.message;
      throw new UnavailableError(
        `${req.method} ${this.#describe(url)}: ${(err as Error).message}${cause ? ` (${cause})` : ''}`,
        {
          data: { host: this.host, dependency: 'registry' },
          cause: err,
        },
      );
    }
  }

  /** The Authorization value for a request, given the challenge learned so far. */
  async #authorization(req: RegistryRequest, challengeScope: string | undefined): Promise<string | undefined> {
    const challenge = this.#challenge;
    if (!challenge) return undefined;
    const creds = this.#credentials;
    if (challenge.scheme === 'basic') {
      if (creds?.username === undefined) return undefined;
      return `Basic ${Buffer.from(`${creds.username}:${creds.password ?? ''}`).toString('base64')}`;
    }
    if (challenge.scheme !== 'bearer' || !challenge.params.realm) return undefined;
    const scope = scopeOf(req);
    const cached = this.#tokens.get(scope);
    if (cached) {
      const token = await cached.catch(() => undefined);
      if (token && token.expiresAtMs > Date.now()) return `Bearer ${token.token}`;
      if (this.#tokens.get(scope) === cached) this.#tokens.delete(scope);
      else return this.#authorization(req, challengeScope); // another request already asked again
    }
    const scopes = challengeScope && challengeScope !== scope ? [scope, challengeScope] : [scope];
    const withheld = this.#withheldFrom(challenge);
    // Shared while in flight, so parallel requests for one scope make one token request
    // (carrying the first request's signal: if that one is aborted, the others ask again on their next try).
    const pending = fetchToken({
      realm: challenge.params.realm,
      service: challenge.params.service,
      scopes,
      credentials: withheld ? undefined : creds,
      ...(withheld ? { withheldHint: withheldHint(withheld) } : {}),
      insecure: this.insecure,
      fetch: this.#fetch,
      signal: req.signal,
      onRequest: () => this.stats.requests++,
    });
    this.#tokens.set(scope, pending);
    try {
      return `Bearer ${(await pending).token}`;
    } catch (err) {
      if (this.#tokens.get(scope) === pending) this.#tokens.delete(scope);
      throw err;
    }
  }

  /** The realm's origin when this client has credentials a bearer challenge's realm may not receive (token-realm.ts); undefined otherwise. */
  #withheldFrom(challenge: AuthChallenge): string | undefined {
    const creds = this.#credentials;
    const realm = challenge.params.realm;
    if (challenge.scheme !== 'bearer' || !realm || !creds) return undefined;
    if (creds.username === undefined && creds.password === undefined && creds.identityToken === undefined)
      return undefined;
    if (realmMayReceiveCredentials({ realm, registry: this.baseUrl, tokenRealms: this.#tokenRealms })) return undefined;
    try {
      return new URL(realm).origin;
    } catch {
      return realm.slice(0, 200);
    }
  }

  /** Drops the cached token of `scope` if it is still the one the registry refused (a parallel request may have replaced it). */
  async #forgetToken(scope: string, refused: string): Promise<void> {
    const cached = this.#tokens.get(scope);
    const token = await cached?.catch(() => undefined);
    if (this.#tokens.get(scope) === cached && token?.token === refused) this.#tokens.delete(scope);
  }

  /** A URL for messages: origin and path, never the query (upload state) or userinfo. */
  #describe(url: URL): string {
    return `${url.origin}${url.pathname}`;
  }
}

/** Why a realm got no credentials, and the setting that would send them. */
function withheldHint(realmOrigin: string): string {
  return `the registry's credentials were not sent to its token realm ${realmOrigin}, which is not on the registry's host; list it in registryAuth.tokenRealms (drover.yaml) if the registry trusts it`;
}

/** The token scope a request needs: `repository:<name>:pull` or `...:pull,push`. */
function scopeOf(req: Pick<RegistryRequest, 'repository' | 'access'>): string {
  return `repository:${req.repository}:${req.access === 'push' ? 'pull,push' : 'pull'}`;
}

/**
 * The bearer-token half of registry auth (the Docker/OCI token flow): given a
 * `Bearer realm=...,service=...` challenge, ask the realm for a token for the
 * scopes needed, with basic credentials when there are some (GET), or by
 * exchanging an identity token (OAuth2 refresh_token grant, POST). Which
 * realm may be sent credentials is the caller's to decide (token-realm.ts);
 * a request it made anonymous on purpose carries `withheldHint`, which a
 * refusal's message then ends with.
 */
import { UnauthorizedError, UnavailableError } from '../errors/errors.ts';
import type { RegistryCredentials } from './docker-config.ts';
import { isLoopbackHost } from './loopback.ts';
import type { HttpFetch, HttpResponse } from './http-fetch.ts';

export interface BearerToken {
  token: string;
  /** Epoch ms after which the token should not be used. */
  expiresAtMs: number;
}

export interface FetchTokenArgs {
  realm: string;
  service?: string;
  scopes: string[];
  credentials?: RegistryCredentials;
  /** Allow sending credentials to a plain-http realm on a non-loopback host. */
  insecure?: boolean;
  /** Set when credentials exist but were kept from this realm: why, and the setting that would send them. */
  withheldHint?: string;
  fetch: HttpFetch;
  signal?: AbortSignal;
  /** Counts the request in the store's stats. */
  onRequest?: () => void;
  nowMs?: number;
}

/** Tokens without `expires_in` are good for 60 s (the spec's default); we stop 10 s early. */
const DEFAULT_EXPIRY_S = 60;
const MARGIN_MS = 10_000;

export async function fetchToken({
  realm,
  service,
  scopes,
  credentials,
  insecure = false,
  withheldHint,
  fetch,
  signal,
  onRequest,
  nowMs = Date.now(),
}: FetchTokenArgs): Promise<BearerToken> {
  const url = assembleRealmUrl({ realm, credentials, insecure });
  let response: HttpResponse;
  try {
    onRequest?.();
    response = await requestToken({ url, service, scopes, credentials, fetch, signal });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new UnavailableError(`token request to ${url.origin}${url.pathname} failed: ${(err as Error).message}`, {
      data: { realm: url.origin },
    });
  }
  return readTokenResponse({ url, response, nowMs, withheldHint });
}

/** The realm as a URL: refused when it is not one, not http(s), or plain http to a remote host with a secret to send. */
function assembleRealmUrl({
  realm,
  credentials,
  insecure,
}: {
  realm: string;
  credentials: RegistryCredentials | undefined;
  insecure: boolean;
}): URL {
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new UnavailableError(`token realm "${realm.slice(0, 200)}" is not a URL`, {
      data: { realm: realm.slice(0, 200) },
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UnavailableError(`token realm ${url.origin} is not http(s)`, { data: { realm: url.origin } });
  }
  const hasSecret = credentials?.password !== undefined || credentials?.identityToken !== undefined;
  if (url.protocol === 'http:' && hasSecret && !insecure && !isLoopbackHost(url.hostname)) {
    throw new UnauthorizedError(`refusing to send credentials to the plain-http token realm ${url.origin}`, {
      data: { realm: url.origin },
    });
  }
  return url;
}

/** Asks the realm for a token: an identity token exchanged by POST (refresh_token grant), else a GET with basic credentials when there are some. */
async function requestToken({
  url,
  service,
  scopes,
  credentials,
  fetch,
  signal,
}: {
  url: URL;
  service: string | undefined;
  scopes: string[];
  credentials: RegistryCredentials | undefined;
  fetch: HttpFetch;
  signal: AbortSignal | undefined;
}): Promise<HttpResponse> {
  if (credentials?.identityToken) {
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: credentials.identityToken,
      client_id: 'drover',
    });
    if (service) form.set('service', service);
    if (scopes.length) form.set('scope', scopes.join(' '));
    return fetch(url, {
      method: 'POST',
      body: form,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      signal,
    });
  }
  if (service) url.searchParams.set('service', service);
  for (const s of scopes) url.searchParams.append('scope', s);
  const headers: Record<string, string> = {};
  if (credentials?.username !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password ?? ''}`).toString('base64')}`;
  }
  return fetch(url, { headers, signal });
}

/** The token of the realm's answer and when to stop using it; a refusal, an error status or a body without a token is an error. */
async function readTokenResponse({
  url,
  response,
  nowMs,
  withheldHint,
}: {
  url: URL;
  response: HttpResponse;
  nowMs: number;
  withheldHint: string | undefined;
}): Promise<BearerToken> {
  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel();
    throw new UnauthorizedError(
      withheldHint
        ? `token realm ${url.origin}${url.pathname} refused an anonymous token request (HTTP ${response.status}): ${withheldHint}`
        : `token realm ${url.origin}${url.pathname} refused the credentials (HTTP ${response.status})`,
      {
        data: { realm: url.origin, status: response.status },
      },
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new UnavailableError(`token realm ${url.origin}${url.pathname} answered HTTP ${response.status}`, {
      data: { realm: url.origin, status: response.status },
    });
  }
  const text = await response.text();
  let body: { token?: unknown; access_token?: unknown; expires_in?: unknown; issued_at?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new UnavailableError(`token realm ${url.origin}${url.pathname} did not answer JSON`, {
      data: { realm: url.origin },
    });
  }
  const token =
    typeof body.token === 'string' && body.token
      ? body.token
      : typeof body.access_token === 'string'
        ? body.access_token
        : '';
  if (!token)
    throw new UnavailableError(`token realm ${url.origin}${url.pathname} answered without a token`, {
      data: { realm: url.origin },
    });
  const expiresIn = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_EXPIRY_S;
  return { token, expiresAtMs: nowMs + Math.max(expiresIn * 1000 - MARGIN_MS, 1000) };
}

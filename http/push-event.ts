/**
 * What a verified webhook asks for: the repository URLs and branch of a push
 * (GitHub `push`, GitLab `Push Hook`, or Drover's generic
 * `{url | repository, ref | branch, source}`), and which configured sources
 * it wakes. URLs are compared by host and path only (scheme, credentials,
 * a trailing `.git` or `/` and letter case ignored), so the clone URL, the
 * web URL and the SSH URL of a repository all match its source. Pure.
 *
 * @example
 *   const ev = parsePushEvent({ provider: 'github', headers, payload });
 *   if (ev.kind === 'push') matchSources({ sources: config.sources, event: ev }); // [{ name: 'shop', ... }]
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { SourceConfig } from '../lib/index.ts';
import type { WebhookProvider } from '../lib/index.ts';

export type PushEvent =
  { kind: 'push'; urls: string[]; branch?: string; source?: string } | { kind: 'ignored'; reason: string };

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const header = (h: IncomingHttpHeaders, n: string) => {
  const v = h[n];
  return Array.isArray(v) ? v[0] : v;
};

/** `refs/heads/x` -> `x`; another kind of ref (a tag) -> null; no ref -> undefined. */
function branchOf(ref: string | undefined): string | null | undefined {
  if (ref === undefined) return undefined;
  if (ref.startsWith('refs/heads/')) return ref.slice('refs/heads/'.length);
  if (ref.startsWith('refs/')) return null;
  return ref;
}

export function parsePushEvent({
  provider,
  headers,
  payload,
}: {
  provider: WebhookProvider;
  headers: IncomingHttpHeaders;
  payload: unknown;
}): PushEvent {
  const p = obj(payload);
  let urls: (string | undefined)[];
  let ref: string | undefined;
  let source: string | undefined;
  if (provider === 'github') {
    const event = header(headers, 'x-github-event');
    if (event !== 'push') return { kind: 'ignored', reason: `GitHub event ${event ?? '(none)'} is not a push` };
    const r = obj(p.repository);
    urls = [r.clone_url, r.html_url, r.git_url, r.ssh_url, r.url].map(str);
    ref = str(p.ref);
  } else if (provider === 'gitlab') {
    const event = header(headers, 'x-gitlab-event');
    if (p.object_kind !== 'push' && event !== 'Push Hook')
      return { kind: 'ignored', reason: `GitLab event ${event ?? String(p.object_kind)} is not a push` };
    const pr = obj(p.project);
    const r = obj(p.repository);
    urls = [
      pr.git_http_url,
      pr.http_url,
      pr.git_ssh_url,
      pr.ssh_url,
      pr.web_url,
      r.git_http_url,
      r.git_ssh_url,
      r.url,
      r.homepage,
    ].map(str);
    ref = str(p.ref);
  } else {
    const r = p.repository;
    urls = [str(p.url), str(r), str(obj(r).url)];
    ref = str(p.ref) ?? str(p.branch);
    source = str(p.source);
  }
  const branch = branchOf(ref);
  if (branch === null) return { kind: 'ignored', reason: `${ref} is not a branch` };
  const found = [...new Set(urls.filter((u): u is string => u !== undefined))];
  if (found.length === 0 && !source) return { kind: 'ignored', reason: 'no repository URL in the payload' };
  return { kind: 'push', urls: found, ...(branch !== undefined ? { branch } : {}), ...(source ? { source } : {}) };
}

/**
 * A repository URL reduced to `host[:port]/path`, lower case, without scheme,
 * credentials, `.git` or trailing slash. SCP-like SSH (`git@host:org/repo.git`)
 * reduces to the same form. Anything else is returned trimmed and lower-cased.
 */
export function normalizeRepoUrl(url: string): string {
  const trimmed = url.trim();
  const tidy = (hostPath: string) =>
    hostPath
      .replace(/\/+$/, '')
      .replace(/\.git$/i, '')
      .replace(/\/+$/, '')
      .toLowerCase();
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/\/)(.+)$/.exec(trimmed);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) return tidy(`${scp[1]}/${scp[2]!.replace(/^\/+/, '')}`);
  try {
    const u = new URL(trimmed);
    const defaultPort = { 'http:': '80', 'https:': '443', 'ssh:': '22', 'git:': '9418' }[u.protocol];
    const port = u.port && u.port !== defaultPort ? `:${u.port}` : '';
    return tidy(`${u.hostname}${port}${decodeURIComponent(u.pathname)}`);
  } catch {
    return tidy(trimmed);
  }
}

/** The sources a push wakes: same repository (by normalized URL, or named by a generic `source`) and, when the push names one, the same branch. */
export function matchSources({
  sources,
  event,
}: {
  sources: readonly SourceConfig[];
  event: Extract<PushEvent, { kind: 'push' }>;
}): SourceConfig[] {
  const wanted = new Set(event.urls.map(normalizeRepoUrl));
  return sources.filter(
    (s) =>
      (event.source === s.name || wanted.has(normalizeRepoUrl(s.url))) &&
      (event.branch === undefined || event.branch === s.branch),
  );
}

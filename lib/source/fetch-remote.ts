/**
 * Fetching one branch of a remote repository over HTTP(S) into Drover's
 * object cache: one bare Git directory per source URL
 * (`<cacheDir>/<sha256 of the URL without credentials>/`), fetched
 * incrementally (the previous head is offered as a `have`, so later fetches
 * transfer only new objects). Credentials reach isomorphic-git only through
 * `onAuth`, only after the server asks, and never appear in an error.
 *
 * @example
 *   const { head } = await fetchRemote({ repo, url: 'https://git.example/apps.git', branch: 'main', signal });
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import git, { type HttpClient } from 'isomorphic-git';
import nodeHttp from 'isomorphic-git/http/node';
import { DroverError, NotFoundError, UnauthorizedError, UnavailableError } from '../errors/errors.ts';
import type { GitCredentials } from './credentials.ts';
import { redactSecrets, redactUrl } from '../foundation/redact.ts';
import type { GitRepo } from './repo.ts';

/** The cache directory for a URL: the same for any credentials embedded in it. */
export function remoteCacheDir({ cacheDir, url }: { cacheDir: string; url: string }): string {
  return join(cacheDir, createHash('sha256').update(redactUrl(url)).digest('hex'));
}

/** Creates the bare Git directory if it is not there yet (idempotent), with the refspec fetches update. */
export async function initCacheRepo({ repo, branch }: { repo: GitRepo; branch: string }): Promise<void> {
  await git.init({ fs: repo.fs, gitdir: repo.gitdir, bare: true, defaultBranch: branch });
  const key = 'remote.origin.fetch';
  if (!(await git.getConfig({ fs: repo.fs, gitdir: repo.gitdir, path: key }))) {
    await git.setConfig({ fs: repo.fs, gitdir: repo.gitdir, path: key, value: '+refs/heads/*:refs/remotes/origin/*' });
  }
}

/** Fetches `branch` from `url` into `repo` and records it as `refs/heads/<branch>`. Returns the branch head. */
export async function fetchRemote({
  repo,
  url,
  branch,
  credentials,
  http = nodeHttp,
  onProgress,
  signal,
}: {
  repo: GitRepo;
  /** Without credentials (see validateSourceSpec). */
  url: string;
  branch: string;
  /** Resolved lazily, only when the server asks for authentication. */
  credentials?: () => Promise<GitCredentials | undefined>;
  http?: HttpClient;
  onProgress?: (p: { phase: string; loaded: number; total: number }) => void;
  signal?: AbortSignal;
}): Promise<{ head: string }> {
  signal?.throwIfAborted();
  const shown = redactUrl(url);
  const secrets: string[] = [];
  let offered = false;
  const onAuth = async () => {
    const c = credentials ? await credentials() : undefined;
    if (!c) return { cancel: true };
    secrets.push(c.password, c.username);
    offered = true;
    return { username: c.username, password: c.password };
  };
  await initCacheRepo({ repo, branch });
  let head: string | null;
  try {
    const result = await git.fetch({
      fs: repo.fs,
      http: signal ? { request: (req) => http.request({ ...req, signal }) } : http,
      gitdir: repo.gitdir,
      cache: repo.cache,
      url,
      ref: `refs/heads/${branch}`,
      remoteRef: `refs/heads/${branch}`,
      singleBranch: true,
      tags: false,
      onAuth,
      // A second refusal with the same credentials: stop instead of looping.
      onAuthFailure: () => ({ cancel: true }),
      onProgress,
    });
    head = result.fetchHead;
  } catch (err) {
    signal?.throwIfAborted();
    throw fetchError({ err, shown, branch, offered, secrets });
  }
  if (!head)
    throw new NotFoundError(`${shown} is an empty repository (no branch ${branch})`, { data: { url: shown, branch } });
  await git.writeRef({ fs: repo.fs, gitdir: repo.gitdir, ref: `refs/heads/${branch}`, value: head, force: true });
  return { head };
}

/** Maps an isomorphic-git failure to a DroverError whose message and data hold no credentials. */
function fetchError({
  err,
  shown,
  branch,
  offered,
  secrets,
}: {
  err: unknown;
  shown: string;
  branch: string;
  offered: boolean;
  secrets: string[];
}): DroverError {
  if (err instanceof DroverError) return err;
  const e = err as { code?: string; message?: string; data?: { statusCode?: number } };
  const data = { url: shown, branch };
  const status = e.data?.statusCode;
  if (e.code === 'UserCanceledError' || status === 401 || status === 403) {
    // No cause: library errors can carry response bodies and headers.
    const why = offered ? 'the credentials were refused' : 'no credentials are configured (source auth)';
    return new UnauthorizedError(`${shown}: authentication required and ${why}`, {
      data: { ...data, status: status ?? 401 },
    });
  }
  if (e.code === 'NotFoundError' && !status) {
    return new NotFoundError(`${shown} has no branch ${branch}`, { data });
  }
  const message = redactSecrets(e.message ?? String(err), secrets);
  if (status === 404)
    return new NotFoundError(`${shown}: repository not found (HTTP 404)`, { data: { ...data, status } });
  if (status !== undefined)
    return new UnavailableError(`${shown}: git server answered HTTP ${status}`, {
      data: { ...data, status, dependency: 'git' },
    });
  return new UnavailableError(`${shown}: fetch failed: ${message}`, {
    data: { ...data, reason: message, dependency: 'git' },
  });
}

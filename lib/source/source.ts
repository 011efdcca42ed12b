/**
 * A Source: one repository and branch Drover follows, opened once and used
 * for every read. It owns the object caches (isomorphic-git's `cache` and the
 * parsed-tree map), so repeated diffs and reads of unchanged trees are cheap.
 * `sync()` brings the branch head up to date (a fetch for remote sources, a
 * ref read for local ones) and returns it; reads take explicit commit oids.
 * Calls to `sync()` on one Source run one at a time. Every read is bounded
 * by the source's `limits` (tree-budget.ts): each call spends a budget of its
 * own unless it is handed one to share (a cut hands every read it makes the
 * same budget).
 *
 * @example
 *   const source = await openSource({ spec: { url: 'https://git.example/apps.git', branch: 'main' }, cacheDir: '.drover/git', env: process.env });
 *   const { head } = await source.sync({ signal });
 *   const files = await source.readFiles({ commit: head, filter: isManifestPath, signal });
 */
import { mkdir } from 'node:fs/promises';
import type { InvalidInputError } from '../errors/errors.ts';
import type { HttpClient } from 'isomorphic-git';
import { type EnvLookup, resolveCredentials } from './credentials.ts';
import { type PathChangeSet, changedPaths } from './changed-paths.ts';
import { fetchRemote, remoteCacheDir } from './fetch-remote.ts';
import { type CommitsSince, commitsSince } from './commits-since.ts';
import { findGitDir, readLocalHead } from './local-repo.ts';
import { type GitCommitInfo, isAncestor, readCommitInfo } from './read-commit.ts';
import { type ReadLimits, type SourceFile, readFiles } from './read-files.ts';
import { type TreeFile, readTree } from './read-tree.ts';
import { type FsClient, type GitRepo, openRepo } from './repo.ts';
import { type SourceSpec, type ValidSourceSpec, validateSourceSpec } from './spec.ts';
import { type TreeBudget, type TreeLimits, DEFAULT_TREE_LIMITS, createTreeBudget } from './tree-budget.ts';

export interface SyncResult {
  head: string;
  /** The head before this sync, if this Source had synced before. */
  previous?: string;
  /** True when the head differs from `previous` (always true on the first sync). */
  moved: boolean;
}

export interface Source {
  readonly kind: 'remote' | 'local';
  /** URL without credentials, or the absolute path. Safe to show. */
  readonly display: string;
  readonly branch: string;
  readonly paths: readonly string[];
  /** The Git directory reads come from (the cache for remote sources). */
  readonly gitdir: string;
  /** Head from the last sync, if any. */
  readonly head: string | undefined;
  /** The caps on what one operation reads of a commit (drover.yaml `limits`). */
  readonly limits: Readonly<TreeLimits>;
  /** A fresh budget under the source's limits, for an operation whose reads share one (a cut). */
  budget(): TreeBudget;
  sync(args?: { signal?: AbortSignal }): Promise<SyncResult>;
  /** Files of `commit` under the source's path filters (or `paths` when given). */
  readTree(args: {
    commit: string;
    paths?: readonly string[];
    budget?: TreeBudget;
    signal?: AbortSignal;
  }): Promise<TreeFile[]>;
  /** Text files of `commit` (`binary`: files that are not UTF-8 come as bytes instead of being refused). */
  readFiles(args: {
    commit: string;
    paths?: readonly string[];
    filter?: (path: string) => boolean;
    limits?: ReadLimits;
    budget?: TreeBudget;
    binary?: boolean;
    onFileError?: (f: { file: string; error: InvalidInputError }) => void;
    signal?: AbortSignal;
  }): Promise<SourceFile[]>;
  changedPaths(args: {
    from: string;
    to: string;
    paths?: readonly string[];
    checkAncestry?: boolean;
    budget?: TreeBudget;
    signal?: AbortSignal;
  }): Promise<PathChangeSet>;
  readCommit(args: { oid: string; signal?: AbortSignal }): Promise<GitCommitInfo>;
  isAncestor(args: { ancestor: string; oid: string; signal?: AbortSignal }): Promise<boolean>;
  /** Commits `to` gained since `from` (`git rev-list from..to`), newest first, with the paths each changed under the source's filters. */
  commitsSince(args: {
    from: string;
    to: string;
    limit?: number;
    budget?: TreeBudget;
    signal?: AbortSignal;
  }): Promise<CommitsSince>;
}

export interface OpenSourceOptions {
  spec: SourceSpec;
  /** Parent of the per-URL object caches of remote sources (e.g. `.drover/git`). */
  cacheDir?: string;
  /** Where env-named credentials are looked up; the caller passes the process environment. */
  env?: EnvLookup;
  /** Relative local paths resolve against this (default: the working directory). */
  baseDir?: string;
  /** Caps on what one read of a commit may take (default DEFAULT_TREE_LIMITS). */
  limits?: Partial<TreeLimits>;
  http?: HttpClient;
  fs?: FsClient;
  onProgress?: (p: { phase: string; loaded: number; total: number }) => void;
  signal?: AbortSignal;
}

/** Validates the spec and opens the source; nothing is fetched until `sync()`. */
export async function openSource({
  spec,
  cacheDir,
  env = {},
  baseDir,
  limits: given = {},
  http,
  fs,
  onProgress,
  signal,
}: OpenSourceOptions): Promise<Source> {
  const limits: Readonly<TreeLimits> = { ...DEFAULT_TREE_LIMITS, ...given };
  const budget = () => createTreeBudget({ limits });
  const valid: ValidSourceSpec = validateSourceSpec({ spec, ...(baseDir !== undefined ? { baseDir } : {}) });
  signal?.throwIfAborted();
  const { location, display, branch, paths } = valid;
  const gitdir = await openGitDir({ location, cacheDir });
  const repo: GitRepo = openRepo({ gitdir, ...(fs ? { fs } : {}) });
  let head: string | undefined;
  let syncing: Promise<SyncResult> | undefined;

  const doSync = async (s?: AbortSignal): Promise<SyncResult> => {
    const next = await readSourceHead({ valid, repo, env, http, onProgress, signal: s });
    const previous = head;
    head = next;
    return { head: next, ...(previous !== undefined ? { previous } : {}), moved: previous !== next };
  };

  return {
    kind: location.kind,
    display,
    branch,
    paths,
    gitdir,
    get head() {
      return head;
    },
    limits,
    budget,
    async sync({ signal: s } = {}) {
      // One at a time: concurrent fetches into one gitdir would race on its refs.
      while (syncing) await syncing.catch(() => {});
      syncing = doSync(s);
      try {
        return await syncing;
      } finally {
        syncing = undefined;
      }
    },
    readTree: ({ commit, paths: p = paths, budget: b = budget(), signal: s }) =>
      readTree({ repo, commit, paths: p, budget: b, signal: s }),
    readFiles: ({ commit, paths: p = paths, filter, limits: l = {}, budget: b, binary, onFileError, signal: s }) =>
      readFiles({
        repo,
        commit,
        paths: p,
        ...(filter ? { filter } : {}),
        limits: l,
        budget: b ?? createTreeBudget({ limits: { ...limits, ...treeLimitsOf(l) } }),
        ...(binary ? { binary } : {}),
        ...(onFileError ? { onFileError } : {}),
        signal: s,
      }),
    changedPaths: ({ from, to, paths: p = paths, checkAncestry, budget: b = budget(), signal: s }) =>
      changedPaths({
        repo,
        from,
        to,
        paths: p,
        ...(checkAncestry !== undefined ? { checkAncestry } : {}),
        budget: b,
        signal: s,
      }),
    readCommit: ({ oid, signal: s }) => readCommitInfo({ repo, oid, signal: s }),
    isAncestor: ({ ancestor, oid, signal: s }) => isAncestor({ repo, ancestor, oid, signal: s }),
    commitsSince: ({ from, to, limit, budget: b = budget(), signal: s }) =>
      commitsSince({ repo, from, to, paths, ...(limit !== undefined ? { limit } : {}), budget: b, signal: s }),
  };
}

/** The tree limits a call's ReadLimits set (those it leaves unset stay the source's). */
function treeLimitsOf(l: ReadLimits): Partial<TreeLimits> {
  const out: Partial<TreeLimits> = {};
  for (const k of ['treeEntries', 'treeDepth', 'treeBytes'] as const) if (l[k] !== undefined) out[k] = l[k];
  return out;
}

/** The Git directory reads come from: the per-URL cache (made when missing) for a remote source, the repository's own for a local one. */
async function openGitDir({
  location,
  cacheDir,
}: {
  location: ValidSourceSpec['location'];
  cacheDir: string | undefined;
}): Promise<string> {
  if (location.kind === 'remote') {
    if (!cacheDir) throw new TypeError('openSource: cacheDir is required for remote sources');
    const gitdir = remoteCacheDir({ cacheDir, url: location.url });
    await mkdir(gitdir, { recursive: true });
    return gitdir;
  }
  return findGitDir({ path: location.path });
}

/** The branch head now: fetched (with the source's credentials) for a remote source, the ref read for a local one. */
async function readSourceHead({
  valid,
  repo,
  env,
  http,
  onProgress,
  signal,
}: {
  valid: ValidSourceSpec;
  repo: GitRepo;
  env: EnvLookup;
  http: HttpClient | undefined;
  onProgress: OpenSourceOptions['onProgress'];
  signal: AbortSignal | undefined;
}): Promise<string> {
  const { location, branch, display } = valid;
  if (location.kind === 'remote') {
    const credentials = () =>
      resolveCredentials({
        auth: valid.auth,
        url: location.url,
        env,
        ...(valid.urlCredentials ? { urlCredentials: valid.urlCredentials } : {}),
        signal,
      });
    const { head } = await fetchRemote({
      repo,
      url: location.url,
      branch,
      credentials,
      ...(http ? { http } : {}),
      onProgress,
      signal,
    });
    return head;
  }
  signal?.throwIfAborted();
  return readLocalHead({ repo, branch, display });
}

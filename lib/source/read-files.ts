/**
 * The text of a commit's files, bounded: a maximum size per file and a
 * maximum number of files, each breach an InvalidInputError that names the
 * file; and the budget of the operation the read belongs to (tree-budget.ts:
 * tree entries and depth as the tree is walked, blob bytes as files are
 * read), each breach a TreeLimitError naming the path and the setting to
 * raise. Symlinks: one whose target is absolute or leaves the repository
 * (after normalizing `..`) is an error naming the link; one that stays inside
 * resolves to its target file's content (following up to 8 links); a link to
 * a directory, or to nothing, is an error. Files must be UTF-8.
 *
 * @example
 *   const files = await readFiles({ repo, commit: head, paths: ['apps/'], filter: isManifestPath, signal });
 *   // [{ path: 'apps/web/deploy.yaml', oid: '3b18e5...', text: 'apiVersion: apps/v1\n...' }]
 */
import { posix } from 'node:path';
import git from 'isomorphic-git';
import { InvalidInputError } from '../errors/errors.ts';
import { type TreeFile, SYMLINK_MODE, readTree } from './read-tree.ts';
import { type GitRepo, type TreeItem, commitTree, readTreeObject } from './repo.ts';
import { type TreeBudget, type TreeLimits, createTreeBudget, spendBytes } from './tree-budget.ts';

/** The caps of one read: per file and file count here, and (when no budget is passed) the tree limits of a budget of its own. */
export interface ReadLimits extends Partial<TreeLimits> {
  /** Largest single file, bytes (default 4 MiB). */
  maxFileBytes?: number;
  /** Number of files after filtering (default 20,000). */
  maxFiles?: number;
}

export interface SourceFile {
  path: string;
  /** Oid of the blob the text came from (the target's, for a symlink). */
  oid: string;
  /** The content as text ('' for a binary file). */
  text: string;
  /** The content of a file that is not UTF-8, when the caller asked for `binary` files. */
  bytes?: Uint8Array;
  /** For a symlink: the repository path it resolved to. */
  linkTarget?: string;
}

const MAX_LINK_HOPS = 8;

const CONCURRENCY = 16;

/** Reads the files of `commit` selected by `paths` and `filter`, sorted by path. */
export async function readFiles({
  repo,
  commit,
  paths = [],
  filter = () => true,
  limits = {},
  budget = createTreeBudget({ limits }),
  binary = false,
  onFileError,
  signal,
}: {
  repo: GitRepo;
  commit: string;
  paths?: readonly string[];
  filter?: (path: string) => boolean;
  limits?: ReadLimits;
  /** What the operation this read belongs to may still read (tree entries, depth, blob bytes); its own when not passed. */
  budget?: TreeBudget;
  /** Return files that are not UTF-8 as bytes instead of refusing them. */
  binary?: boolean;
  /** Where one file's problem goes (the file is left out) instead of failing the read. */
  onFileError?: (f: { file: string; error: InvalidInputError }) => void;
  signal?: AbortSignal;
}): Promise<SourceFile[]> {
  const { maxFileBytes = 4 << 20, maxFiles = 20_000 } = limits;
  const files = await readTree({ repo, commit, paths, filter, budget, signal });
  if (files.length > maxFiles) {
    throw new InvalidInputError(
      `commit ${commit} has ${files.length} selected files, more than the limit of ${maxFiles}`,
      {
        data: { commit, files: files.length, maxFiles, file: files[maxFiles]?.path },
      },
    );
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const out: SourceFile[] = new Array<SourceFile>(files.length);
  let next = 0;
  const readOne = async (file: TreeFile): Promise<SourceFile> => {
    const { blob, oid, target } = await readFileBlob({ repo, commit, file, maxFileBytes });
    spendBytes({ budget, path: file.path, bytes: blob.byteLength });
    return assembleSourceFile({ path: file.path, oid, blob, target, binary, decoder });
  };
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      signal?.throwIfAborted();
      try {
        out[i] = await readOne(files[i]!);
      } catch (err) {
        // A TreeLimitError is the whole read's (not an InvalidInputError): always thrown.
        if (!onFileError || !(err instanceof InvalidInputError)) throw err;
        onFileError({ file: files[i]!.path, error: err });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, files.length) }, worker));
  return out.filter((f) => f !== undefined);
}

/** The blob of one tree file (its target's, for a symlink), refused when larger than `maxFileBytes`. */
async function readFileBlob({
  repo,
  commit,
  file,
  maxFileBytes,
}: {
  repo: GitRepo;
  commit: string;
  file: TreeFile;
  maxFileBytes: number;
}): Promise<{ blob: Uint8Array; oid: string; target: { path: string; oid: string } | undefined }> {
  const target = file.mode === SYMLINK_MODE ? await resolveSymlink({ repo, commit, link: file }) : undefined;
  const oid = target?.oid ?? file.oid;
  const { blob } = await git.readBlob({ fs: repo.fs, gitdir: repo.gitdir, oid, cache: repo.cache });
  if (blob.byteLength > maxFileBytes) {
    throw new InvalidInputError(
      `${file.path}: ${blob.byteLength} bytes, more than the limit of ${maxFileBytes} per file`,
      {
        data: { file: file.path, bytes: blob.byteLength, maxFileBytes },
      },
    );
  }
  return { blob, oid, target };
}

/** A file's blob as a SourceFile: its UTF-8 text, or (when `binary`) its bytes; otherwise not UTF-8 is refused. */
function assembleSourceFile({
  path,
  oid,
  blob,
  target,
  binary,
  decoder,
}: {
  path: string;
  oid: string;
  blob: Uint8Array;
  target: { path: string } | undefined;
  binary: boolean;
  decoder: InstanceType<typeof TextDecoder>;
}): SourceFile {
  let text: string;
  let bytes: Uint8Array | undefined;
  try {
    text = decoder.decode(blob);
  } catch {
    if (!binary) throw new InvalidInputError(`${path}: not UTF-8 text`, { data: { file: path } });
    text = '';
    bytes = blob;
  }
  return {
    path,
    oid,
    text,
    ...(bytes ? { bytes } : {}),
    ...(target ? { linkTarget: target.path } : {}),
  };
}

/**
 * Where symlink `link` of `commit` leads: the repository path and blob of the
 * file at the end of the chain. Throws InvalidInputError naming the link when
 * the target is absolute, escapes the repository, is missing, or is a directory.
 */
export async function resolveSymlink({
  repo,
  commit,
  link,
}: {
  repo: GitRepo;
  commit: string;
  link: TreeFile;
}): Promise<{ path: string; oid: string }> {
  const fail = (why: string, data: Record<string, unknown> = {}): never => {
    throw new InvalidInputError(`${link.path}: symlink ${why}`, { data: { file: link.path, ...data } });
  };
  const root = await commitTree({ repo, oid: commit });
  let current: { path: string; oid: string; mode: string } = link;
  for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
    if (current.mode !== SYMLINK_MODE) return { path: current.path, oid: current.oid };
    const { blob } = await git.readBlob({ fs: repo.fs, gitdir: repo.gitdir, oid: current.oid, cache: repo.cache });
    const target = Buffer.from(blob).toString('utf8');
    if (target.startsWith('/') || /^[a-z]:[\\/]/i.test(target))
      fail(`points at an absolute path (${target}), outside the repository`, { target });
    const resolved = posix.normalize(posix.join(posix.dirname(current.path), target));
    if (resolved === '..' || resolved.startsWith('../')) fail(`points outside the repository (${target})`, { target });
    if (resolved === '.' || resolved === '') fail('points at the repository root, a directory', { target });
    const item = await lookupPath({ repo, root, path: resolved });
    if (!item) fail(`points at ${resolved}, which does not exist in commit ${commit}`, { target });
    else if (item.type === 'tree')
      fail(`points at directory ${resolved}; only links to files are followed`, { target });
    else if (item.type !== 'blob') fail(`points at ${resolved}, which is not a file`, { target });
    else current = { path: resolved, oid: item.oid, mode: item.mode };
  }
  return fail(`chain is longer than ${MAX_LINK_HOPS} links`);
}

/** The tree item at `path` under tree `root`; undefined when missing or when a directory on the way is not a tree. */
async function lookupPath({
  repo,
  root,
  path,
}: {
  repo: GitRepo;
  root: string;
  path: string;
}): Promise<TreeItem | undefined> {
  let treeOid = root;
  const parts = path.split('/');
  for (let i = 0; i < parts.length; i++) {
    const item = (await readTreeObject({ repo, oid: treeOid })).find((e) => e.name === parts[i]);
    if (!item) return undefined;
    if (i === parts.length - 1) return item;
    if (item.type !== 'tree') return undefined;
    treeOid = item.oid;
  }
  return undefined;
}

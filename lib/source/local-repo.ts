/**
 * Local path sources: a Git repository on disk, read from its Git directory
 * at the branch head. The working tree (uncommitted edits) is never read, so
 * a local source versions exactly what was committed, like a remote one.
 * A plain directory that is not a repository is refused: a commit is what
 * gives a version its provenance.
 *
 * @example
 *   const gitdir = await findGitDir({ path: '/home/me/manifests' }); // '/home/me/manifests/.git'
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { InvalidInputError, NotFoundError } from '../errors/errors.ts';
import { type GitRepo, isNotFound } from './repo.ts';

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** The Git directory of the repository at `path`: `<path>/.git`, or `path` itself when it is bare. */
export async function findGitDir({ path }: { path: string }): Promise<string> {
  if (!(await isDir(path)))
    throw new NotFoundError(`local source ${path} does not exist or is not a directory`, { data: { path } });
  const dotGit = join(path, '.git');
  if (await isDir(dotGit)) return dotGit;
  try {
    const text = await readFile(dotGit, 'utf8');
    if (text.startsWith('gitdir:')) {
      throw new InvalidInputError(
        `local source ${path} is a linked worktree or submodule checkout; give the path of the main repository`,
        {
          data: { path },
        },
      );
    }
  } catch (err) {
    if (err instanceof InvalidInputError) throw err;
  }
  if ((await isDir(join(path, 'objects'))) && (await isDir(join(path, 'refs')))) return path;
  throw new InvalidInputError(
    `local source ${path} is not a Git repository (no .git directory); Drover reads commits, so commit the manifests first`,
    {
      data: { path },
    },
  );
}

/** The commit `branch` points at in a local repository. */
export async function readLocalHead({
  repo,
  branch,
  display,
}: {
  repo: GitRepo;
  branch: string;
  display: string;
}): Promise<string> {
  try {
    return await git.resolveRef({ fs: repo.fs, gitdir: repo.gitdir, ref: `refs/heads/${branch}` });
  } catch (err) {
    if (isNotFound(err))
      throw new NotFoundError(`${display} has no branch ${branch}`, { data: { path: display, branch } });
    throw err;
  }
}

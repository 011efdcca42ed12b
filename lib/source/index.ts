/**
 * lib/source: Git sources (remote over HTTP(S) with isomorphic-git, or a
 * local repository), their heads, files, changed paths, commit metadata and
 * triggers. The public surface of the module; lib/ code imports from here.
 *
 * @example
 *   import { openSource, watchSource } from '../source/index.ts';
 */
export { changedPaths, type PathChangeSet, type ChangedPath, type PathChange } from './changed-paths.ts';
export { commitsSince, type CommitChange, type CommitsSince } from './commits-since.ts';
export {
  findCredential,
  parseCredentialStore,
  resolveCredentials,
  type CredentialEntry,
  type GitCredentials,
  type EnvLookup,
} from './credentials.ts';
export { fetchRemote, remoteCacheDir } from './fetch-remote.ts';
export { findGitDir, readLocalHead } from './local-repo.ts';
export { isAncestor, readCommitInfo, type GitCommitInfo } from './read-commit.ts';
export { readFiles, resolveSymlink, type ReadLimits, type SourceFile } from './read-files.ts';
export { readTree, type FileMode, type TreeFile } from './read-tree.ts';
export { checkBranchName, refNameProblem } from './ref-name.ts';
export {
  createTreeBudget,
  DEFAULT_TREE_LIMITS,
  type TreeBudget,
  type TreeLimits,
  type TreeLimitSetting,
} from './tree-budget.ts';
export { openRepo, type GitRepo } from './repo.ts';
export { openSource, type OpenSourceOptions, type Source, type SyncResult } from './source.ts';
export {
  parseSourceUrl,
  validateSourceSpec,
  type SourceAuth,
  type SourceLocation,
  type SourceSpec,
  type ValidSourceSpec,
} from './spec.ts';
export {
  checkSchedule,
  watchSource,
  type HeadChange,
  type SourceWatcher,
  type Trigger,
  type WatchSourceOptions,
} from './watch-source.ts';

import { expect, it } from 'vitest';
import * as source from './index.ts';

it('exports exactly the public surface', () => {
  expect(Object.keys(source).sort()).toEqual([
    'DEFAULT_TREE_LIMITS',
    'changedPaths',
    'checkBranchName',
    'checkSchedule',
    'commitsSince',
    'createTreeBudget',
    'fetchRemote',
    'findCredential',
    'findGitDir',
    'isAncestor',
    'openRepo',
    'openSource',
    'parseCredentialStore',
    'parseSourceUrl',
    'readCommitInfo',
    'readFiles',
    'readLocalHead',
    'readTree',
    'refNameProblem',
    'remoteCacheDir',
    'resolveCredentials',
    'resolveSymlink',
    'validateSourceSpec',
    'watchSource',
  ]);
});

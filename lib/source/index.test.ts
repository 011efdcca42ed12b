import { expect, it } from 'vitest';
import * as source from './index.ts';

it('exports exactly the public surface', () => {
  expect(Object.keys(source).sort()).toEqual([
    'changedPaths',
    'checkBranchName',
    'checkPathPattern',
    'checkSchedule',
    'commitsSince',
    'compilePathFilter',
    'fetchRemote',
    'findCredential',
    'findGitDir',
    'isAncestor',
    'isManifestPath',
    'openRepo',
    'openSource',
    'parseCredentialStore',
    'parseSourceUrl',
    'readCommitInfo',
    'readFiles',
    'readLocalHead',
    'readTree',
    'redactSecrets',
    'redactUrl',
    'refNameProblem',
    'remoteCacheDir',
    'resolveCredentials',
    'resolveSymlink',
    'validateSourceSpec',
    'watchSource',
  ]);
});

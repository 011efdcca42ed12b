import { describe, expect, it } from 'vitest';
import { bumpFromMessage, messagesForBundle, nextVersion } from './version.ts';

describe('versions', () => {
  it.each([
    ['fix: handle empty env', 'patch'],
    ['chore(deps): bump image', 'patch'],
    ['update the config map', 'patch'],
    ['feat: add /health', 'minor'],
    ['Feat(api): add /health', 'minor'],
    ['feature: not a conventional type', 'patch'],
    ['feat!: drop v1 routes', 'major'],
    ['refactor(api)!: rename port', 'major'],
    ['fix: new port\n\nBREAKING CHANGE: clients must use 8443', 'major'],
    ['fix: x\n\nBREAKING-CHANGE: y', 'major'],
    ['fix: mentions breaking change: in lower case', 'patch'],
  ])('%j -> %s', (message, bump) => {
    expect(bumpFromMessage(message)).toBe(bump);
  });

  it.each([
    { parent: null, policy: 'major' as const, messages: ['feat: x'], version: '1.0.0', bump: 'first' },
    { parent: '1.4.2', policy: undefined, messages: [], version: '1.4.3', bump: 'patch' },
    { parent: '1.4.2', policy: 'minor' as const, messages: ['fix: x'], version: '1.5.0', bump: 'minor' },
    { parent: '1.4.2', policy: 'patch' as const, messages: ['fix: x', 'feat(ui): y'], version: '1.5.0', bump: 'minor' },
    { parent: '1.4.2', policy: 'minor' as const, messages: ['feat: a', 'chore!: b'], version: '2.0.0', bump: 'major' },
    { parent: '1.4.2', policy: 'major' as const, messages: ['fix: x'], version: '2.0.0', bump: 'major' },
  ])('after $parent with policy $policy and $messages -> $version', ({ parent, policy, messages, version, bump }) => {
    const next = nextVersion({ parent, ...(policy ? { policy } : {}), messages });
    expect(next).toMatchObject({ version, bump });
  });

  it('says why', () => {
    expect(nextVersion({ parent: '1.0.0', messages: ['feat: search\n\nlong body'] }).reason).toBe(
      'commit message "feat: search" (minor)',
    );
    expect(nextVersion({ parent: '1.0.0', policy: 'minor' }).reason).toBe('bundle policy (minor)');
  });

  it.each(['v1.0.0', '1.0', '1.0.0-rc.1', 'latest'])('refuses parent %j', (parent) => {
    expect(() => nextVersion({ parent })).toThrow(/is not a semver x\.y\.z/);
  });
});

describe('messagesForBundle', () => {
  const commits = [
    { message: 'fix: web timeout', paths: ['web/deploy.yaml'] },
    { message: 'feat: api pagination', paths: ['api/deploy.yaml'] },
    { message: 'feat(web): flags', paths: ['web/config.yaml', 'README.md'] },
  ];
  it.each([
    [
      "only the commits that changed the bundle's files",
      new Set(['web/deploy.yaml', 'web/config.yaml']),
      ['fix: web timeout', 'feat(web): flags'],
    ],
    ["another bundle's feat does not count", new Set(['api/deploy.yaml']), ['feat: api pagination']],
    ['no commit touched it: the head decides', new Set(['worker/deploy.yaml']), ['head message']],
  ])('%s', (_what, files, want) => {
    expect(messagesForBundle({ commits, files, head: 'head message' })).toEqual(want);
  });

  it('a commit with unknown paths counts for every bundle, and no history falls back to the head', () => {
    expect(
      messagesForBundle({ commits: [{ message: 'feat!: root', paths: null }], files: new Set(['x.yaml']), head: 'h' }),
    ).toEqual(['feat!: root']);
    expect(messagesForBundle({ commits: null, files: new Set(['x.yaml']), head: 'h' })).toEqual(['h']);
  });

  it('the bump follows: a feat on the bundle two commits back makes a minor even under a fix at the head', () => {
    const messages = messagesForBundle({
      commits,
      files: new Set(['web/config.yaml', 'web/deploy.yaml']),
      head: 'fix: web timeout',
    });
    expect(nextVersion({ parent: '1.2.3', messages }).version).toBe('1.3.0');
  });
});

import { describe, expect, it } from 'vitest';
import type { SourceConfig } from '../lib/index.ts';
import { matchSources, normalizeRepoUrl, parsePushEvent } from './push-event.ts';

const githubPush = {
  ref: 'refs/heads/main',
  repository: {
    clone_url: 'https://github.com/Acme/Shop.git',
    html_url: 'https://github.com/Acme/Shop',
    ssh_url: 'git@github.com:Acme/Shop.git',
    git_url: 'git://github.com/Acme/Shop.git',
  },
  head_commit: { id: 'abc' },
};
const gitlabPush = {
  object_kind: 'push',
  ref: 'refs/heads/release',
  project: {
    git_http_url: 'https://gitlab.example/acme/shop.git',
    git_ssh_url: 'git@gitlab.example:acme/shop.git',
    web_url: 'https://gitlab.example/acme/shop',
  },
  repository: { url: 'git@gitlab.example:acme/shop.git', homepage: 'https://gitlab.example/acme/shop' },
};

describe('parsePushEvent', () => {
  it('reads a GitHub push: every repository URL and the branch', () => {
    expect(parsePushEvent({ provider: 'github', headers: { 'x-github-event': 'push' }, payload: githubPush })).toEqual({
      kind: 'push',
      urls: [
        'https://github.com/Acme/Shop.git',
        'https://github.com/Acme/Shop',
        'git://github.com/Acme/Shop.git',
        'git@github.com:Acme/Shop.git',
      ],
      branch: 'main',
    });
  });
  it('ignores other GitHub events, tag pushes and payloads without a repository', () => {
    expect(
      parsePushEvent({ provider: 'github', headers: { 'x-github-event': 'ping' }, payload: { zen: 'x' } }),
    ).toEqual({ kind: 'ignored', reason: 'GitHub event ping is not a push' });
    expect(
      parsePushEvent({
        provider: 'github',
        headers: { 'x-github-event': 'push' },
        payload: { ...githubPush, ref: 'refs/tags/v1' },
      }),
    ).toEqual({ kind: 'ignored', reason: 'refs/tags/v1 is not a branch' });
    expect(
      parsePushEvent({
        provider: 'github',
        headers: { 'x-github-event': 'push' },
        payload: { ref: 'refs/heads/main' },
      }),
    ).toEqual({ kind: 'ignored', reason: 'no repository URL in the payload' });
    expect(parsePushEvent({ provider: 'github', headers: { 'x-github-event': 'push' }, payload: [1, 2] }).kind).toBe(
      'ignored',
    );
  });
  it('reads a GitLab push hook', () => {
    const e = parsePushEvent({ provider: 'gitlab', headers: { 'x-gitlab-event': 'Push Hook' }, payload: gitlabPush });
    expect(e).toMatchObject({ kind: 'push', branch: 'release' });
    expect(e.kind === 'push' && e.urls).toContain('https://gitlab.example/acme/shop.git');
    expect(
      parsePushEvent({
        provider: 'gitlab',
        headers: { 'x-gitlab-event': 'Tag Push Hook' },
        payload: { object_kind: 'tag_push' },
      }).kind,
    ).toBe('ignored');
  });
  it('reads the generic form: url or repository, ref or branch, or a source name', () => {
    expect(
      parsePushEvent({ provider: 'generic', headers: {}, payload: { url: 'http://git/x.git', branch: 'main' } }),
    ).toEqual({ kind: 'push', urls: ['http://git/x.git'], branch: 'main' });
    expect(
      parsePushEvent({
        provider: 'generic',
        headers: {},
        payload: { repository: { url: 'http://git/x.git' }, ref: 'refs/heads/dev' },
      }),
    ).toEqual({ kind: 'push', urls: ['http://git/x.git'], branch: 'dev' });
    expect(parsePushEvent({ provider: 'generic', headers: {}, payload: { repository: 'http://git/x.git' } })).toEqual({
      kind: 'push',
      urls: ['http://git/x.git'],
    });
    expect(parsePushEvent({ provider: 'generic', headers: {}, payload: { source: 'shop' } })).toEqual({
      kind: 'push',
      urls: [],
      source: 'shop',
    });
  });
});

describe('normalizeRepoUrl', () => {
  it.each([
    ['https://github.com/Acme/Shop.git', 'github.com/acme/shop'],
    ['https://bot:s3cret@github.com/acme/shop/', 'github.com/acme/shop'],
    ['git@github.com:acme/shop.git', 'github.com/acme/shop'],
    ['ssh://git@github.com/acme/shop.git', 'github.com/acme/shop'],
    ['git://github.com/acme/shop', 'github.com/acme/shop'],
    ['http://127.0.0.1:8080/shop.git', '127.0.0.1:8080/shop'],
    ['https://host:443/a', 'host/a'],
    ['/srv/git/shop', '/srv/git/shop'],
  ])('%s -> %s', (url, expected) => {
    expect(normalizeRepoUrl(url)).toBe(expected);
  });
});

describe('matchSources', () => {
  const src = (name: string, url: string, branch = 'main'): SourceConfig => ({
    name,
    url,
    branch,
    schedule: '*/1 * * * *',
  });
  const sources = [
    src('shop', 'https://github.com/acme/shop.git'),
    src('shop-release', 'https://github.com/acme/shop', 'release'),
    src('other', 'https://github.com/acme/other.git'),
    src('local', '/srv/git/shop'),
  ];
  it('wakes the sources of the same repository and branch', () => {
    expect(
      matchSources({ sources, event: { kind: 'push', urls: ['git@github.com:Acme/Shop.git'], branch: 'main' } }).map(
        (s) => s.name,
      ),
    ).toEqual(['shop']);
    expect(
      matchSources({ sources, event: { kind: 'push', urls: ['https://github.com/acme/shop'], branch: 'release' } }).map(
        (s) => s.name,
      ),
    ).toEqual(['shop-release']);
    expect(
      matchSources({ sources, event: { kind: 'push', urls: ['https://github.com/acme/shop'] } }).map((s) => s.name),
    ).toEqual(['shop', 'shop-release']);
    expect(
      matchSources({ sources, event: { kind: 'push', urls: ['https://github.com/acme/shop'], branch: 'feature' } }),
    ).toEqual([]);
    expect(
      matchSources({ sources, event: { kind: 'push', urls: ['https://gitlab.com/acme/shop'], branch: 'main' } }),
    ).toEqual([]);
    expect(matchSources({ sources, event: { kind: 'push', urls: [], source: 'local' } }).map((s) => s.name)).toEqual([
      'local',
    ]);
  });
});

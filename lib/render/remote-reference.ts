/**
 * Whether a reference a renderer reads would be fetched from outside the
 * repository at the commit, and in which spelling: a kustomization entry
 * (`resources`, `patches[].path`, a generator's file...) or a Helm chart
 * dependency's `repository`. Pure.
 *
 * Kustomize's own parser (api/internal/git/repospec.go and the loader's
 * `IsRemoteFile`) is Go, so this is a matcher of our own, written from it and
 * deliberately wider: it refuses every spelling any Kustomize release (the
 * go-getter ones of v3/v4 included) would fetch, and a few it would read as a
 * local path, because guessing wrong the other way sends a render to the
 * network. What counts as remote:
 *
 * - any URL with a scheme: `https://`, `http://`, `ssh://`, `git://`,
 *   `file://` (a Git repository on the host's disk), `oci://`, `s3://`...;
 * - a go-getter forced getter: `git::https://...`, `git::ssh://...`, `hg::`;
 * - SCP-style Git: `git@host:org/repo`, `user@host:path`, `github.com:org/repo`,
 *   and the old `gh:org/repo`;
 * - the query parameters of Kustomize's Git references: `?ref=`, `?version=`,
 *   `?timeout=`, `?submodules=`, `?cache=`, `?depth=`;
 * - a `//` separating a repository from its subdirectory
 *   (`example.com/repo.git//path`, `host/org/repo//dir`), Azure's `_git/`;
 * - a `.git` suffix on a path segment (`org/repo.git`, `repo.git/dir`);
 * - a first segment that is a well-known Git host (`github.com/...`,
 *   `gitlab.com/...`, `bitbucket.org/...`), and, as `bare-host`, one that
 *   looks like a host name (`example.com/org/repo`, `127.0.0.1:8080/r`,
 *   `localhost:3000/x`, `[::1]/x`). A bare host is the one guess: current
 *   Kustomize reads such a path locally when no scheme precedes it, so the
 *   closure treats it as local when the repository has that path.
 *
 * @example
 *   remoteSpelling('github.com/acme/base?ref=v1') // => 'known-host'
 *   remoteSpelling('../base')                     // => undefined
 *   helmRepositoryKind('oci://registry.example/charts') // => 'remote'
 */

/** How a reference says it is remote (the first rule it matches, in the order above). */
export type RemoteSpelling =
  'file-url' | 'url' | 'forced-getter' | 'scp' | 'query' | 'subpath' | 'git-suffix' | 'known-host' | 'bare-host';

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const FORCED_GETTER = /^[a-z][a-z0-9+.-]*::/i;
// user@host:path (Git's SCP-like syntax), and the host-only forms GitHub and old Kustomize took.
const SCP = /^[^\s/@:]+@[^\s/:]+:/;
const HOST_COLON = /^(github\.com|gitlab\.com|bitbucket\.org):/i;
const GH = /^gh:/i;
const QUERY = /[?&](ref|version|timeout|submodules|cache|depth)=/i;
const AZURE = /(^|\/)_git\//;
const GIT_SUFFIX = /\.git(\/|\?|$)/i;
const KNOWN_HOST = /^(www\.)?(github\.com|gitlab\.com|bitbucket\.org)(\/|$)/i;
/** A host name with a dot and an alphabetic top-level label, an IPv4 or IPv6 address, or localhost; an optional port. */
const BARE_HOST =
  /^(([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}|\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\]|localhost)(:\d{1,5})?\//i;
/** Any first segment with a port is a host (`registry:5000/x`, `intranet:8080/repo`). */
const HOST_PORT = /^[a-z0-9.-]+:\d{1,5}\//i;

/** How `entry` is spelled remote, or undefined for a path (inside the repository or not: that is the closure's question). */
export function remoteSpelling(entry: string): RemoteSpelling | undefined {
  const e = entry.trim();
  if (/^file:\/\//i.test(e)) return 'file-url';
  if (SCHEME.test(e)) return 'url';
  if (FORCED_GETTER.test(e)) return 'forced-getter';
  if (SCP.test(e) || HOST_COLON.test(e) || GH.test(e)) return 'scp';
  if (QUERY.test(e)) return 'query';
  // A leading `//` is an absolute path (refused as leaving the repository), not a subpath marker.
  if (e.indexOf('//') > 0 || AZURE.test(e)) return 'subpath';
  if (GIT_SUFFIX.test(e)) return 'git-suffix';
  if (KNOWN_HOST.test(e)) return 'known-host';
  if (BARE_HOST.test(e) || HOST_PORT.test(e)) return 'bare-host';
  return undefined;
}

/** Whether Kustomize (some release of it) would fetch `entry` rather than read it from the repository. */
export function isRemote(entry: string): boolean {
  return remoteSpelling(entry) !== undefined;
}

/**
 * What a Helm dependency's `repository` makes `helm dependency build` do:
 * `none` (no repository: it must be vendored), `local` (`file://`, a chart
 * directory on disk: inside the repository or refused), or `remote` (an
 * `https://` or `http://` chart repository, an `oci://` registry, a
 * repository added by name, `@name` or `alias:name`: anything else).
 */
export function helmRepositoryKind(repository: string | undefined): 'none' | 'local' | 'remote' {
  const r = (repository ?? '').trim();
  if (r === '') return 'none';
  if (/^file:\/\//i.test(r)) return 'local';
  return 'remote';
}

/**
 * The source spec a user writes (in drover.yaml) and its validation: which
 * locations are accepted (http(s) URLs and local paths, nothing else), the
 * branch name, and the path filters. Validation returns a normalized spec in
 * which the URL carries no credentials; credentials embedded in a URL are
 * kept apart, used only to answer an authentication challenge.
 *
 * @example
 *   const s = validateSourceSpec({ spec: { url: 'https://git.example/apps.git', branch: 'main', paths: ['apps/'] } });
 *   s.location // { kind: 'remote', url: 'https://git.example/apps.git' }
 */
import { isAbsolute, resolve } from 'node:path';
import { InvalidInputError } from '../errors/errors.ts';
import { checkPathPattern } from '../bundle/path-filter.ts';
import { checkBranchName } from './ref-name.ts';
import { redactUrl } from '../foundation/redact.ts';

/** Where credentials come from. Environment variable names, never values. */
export interface SourceAuth {
  /** Basic auth user name (with `passwordEnv` or `tokenEnv`). */
  usernameEnv?: string;
  passwordEnv?: string;
  /** A token sent as the basic-auth password (user `usernameEnv`'s value, or `x-access-token`). */
  tokenEnv?: string;
  /** A git-credential-store file: `https://user:pass@host` lines. */
  credentialsFile?: string;
}

export interface SourceSpec {
  /** `https://...`, `http://...`, or a local path to a Git repository. */
  url: string;
  branch: string;
  /** Path prefixes (`apps/web`) or globs (`apps/*\/base`); only matching files are read. */
  paths?: string[];
  auth?: SourceAuth;
}

export type SourceLocation = { kind: 'remote'; url: string } | { kind: 'local'; path: string };

export interface ValidSourceSpec {
  location: SourceLocation;
  /** What to show people: the URL without credentials, or the absolute path. */
  display: string;
  branch: string;
  paths: string[];
  auth: SourceAuth;
  /** Credentials that were embedded in the URL, if any. Never shown. */
  urlCredentials?: { username: string; password: string };
}

const ACCEPTED = 'accepted are https:// and http:// URLs and local paths to a Git repository';

/** Classifies and checks a source location. Relative local paths resolve against `baseDir`. */
export function parseSourceUrl({ url, baseDir = process.cwd() }: { url: string; baseDir?: string }): {
  location: SourceLocation;
  urlCredentials?: { username: string; password: string };
} {
  const shown = redactUrl(url);
  if (url.trim() === '') throw new InvalidInputError(`source URL is empty; ${ACCEPTED}`, { data: { url: shown } });
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (scheme !== 'http' && scheme !== 'https') {
      const hint = scheme === 'file' ? ' (for a local repository give its path without file://)' : '';
      throw new InvalidInputError(`source URL ${shown} uses ${scheme}://, which is not supported; ${ACCEPTED}${hint}`, {
        data: { url: shown, scheme },
      });
    }
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new InvalidInputError(`source URL ${shown} is not a valid URL`, { data: { url: shown } });
    }
    if (!u.hostname) throw new InvalidInputError(`source URL ${shown} has no host`, { data: { url: shown } });
    if (u.hash)
      throw new InvalidInputError(`source URL ${shown} has a #fragment; give the branch separately`, {
        data: { url: shown },
      });
    const creds =
      u.username || u.password
        ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) }
        : undefined;
    u.username = '';
    u.password = '';
    return { location: { kind: 'remote', url: u.toString() }, ...(creds ? { urlCredentials: creds } : {}) };
  }
  // scp-like SSH syntax (`git@host:org/repo.git`): a ':' before any '/'.
  if (/^[^/\\]*:/.test(url) && !/^[a-z]:[\\/]/i.test(url)) {
    throw new InvalidInputError(
      `source URL ${shown} looks like SSH (user@host:path), which is not supported; ${ACCEPTED}`,
      {
        data: { url: shown, scheme: 'ssh' },
      },
    );
  }
  return { location: { kind: 'local', path: isAbsolute(url) ? resolve(url) : resolve(baseDir, url) } };
}

/** Validates a whole spec; throws InvalidInputError naming the field that is wrong. */
export function validateSourceSpec({ spec, baseDir }: { spec: SourceSpec; baseDir?: string }): ValidSourceSpec {
  const { location, urlCredentials } = parseSourceUrl({ url: spec.url, ...(baseDir !== undefined ? { baseDir } : {}) });
  const branch = checkBranchName(spec.branch);
  const paths = (spec.paths ?? []).map((p) => checkPathPattern(p));
  const auth = spec.auth ?? {};
  for (const [key, value] of Object.entries(auth) as [keyof SourceAuth, unknown][]) {
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw new InvalidInputError(`source auth.${key} must be a non-empty string`, { data: { field: `auth.${key}` } });
    }
  }
  if (auth.passwordEnv && auth.tokenEnv) {
    throw new InvalidInputError('source auth has both passwordEnv and tokenEnv; give one', { data: { field: 'auth' } });
  }
  if (location.kind === 'local' && (Object.keys(auth).length > 0 || urlCredentials)) {
    throw new InvalidInputError(`source ${location.path} is a local path; auth applies only to http(s) URLs`, {
      data: { field: 'auth' },
    });
  }
  return {
    location,
    // Shown in messages and journaled: a credential in the URL's query never is.
    display: location.kind === 'remote' ? redactUrl(location.url) : location.path,
    branch,
    paths,
    auth,
    ...(urlCredentials ? { urlCredentials } : {}),
  };
}

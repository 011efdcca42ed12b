import { describe, expect, it } from 'vitest';
import { KubeApiError } from '../cluster/kube-error.ts';
import { VersionTagMovedError } from '../oci/index.ts';
import * as errors from './errors.ts';

// Walk every error class: each has a distinct stable code and an exit code from the table.
const classes = Object.values(errors).filter(
  (v): v is typeof errors.DroverError => typeof v === 'function' && v.prototype instanceof Error,
);

// What each class means to the CLI (exit code) and to the HTTP API (status). The statuses are the ones the API
// answered before errors carried them (E_DRIFT excepted: no request ended with it).
const meaning: Record<string, [code: string, exitCode: errors.ExitCode, httpStatus: number]> = {
  DroverError: ['E_INTERNAL', 1, 500],
  UsageError: ['E_USAGE', 2, 400],
  InvalidInputError: ['E_INVALID_INPUT', 3, 400],
  NotFoundError: ['E_NOT_FOUND', 4, 404],
  ConflictError: ['E_CONFLICT', 5, 409],
  UnavailableError: ['E_UNAVAILABLE', 6, 503],
  UnauthorizedError: ['E_UNAUTHORIZED', 10, 401],
  IntegrityError: ['E_INTEGRITY', 6, 503],
  ReleaseFailedError: ['E_RELEASE_FAILED', 7, 422],
  RollbackFailedError: ['E_ROLLBACK_FAILED', 8, 500],
  DriftFoundError: ['E_DRIFT', 9, 409],
  TreeLimitError: ['E_TREE_LIMIT', 3, 422],
  SignatureRefusedError: ['E_SIGNATURE_REFUSED', 11, 422],
  DocumentRefusedError: ['E_DOCUMENT_REFUSED', 11, 422],
};

describe('error classes', () => {
  it('each has a stable code, a known exit code and keeps data and cause', () => {
    const codes = new Set<string>();
    const cause = new Error('root');
    for (const Cls of classes) {
      const e = new Cls('boom', { data: { file: 'a.yaml' }, cause });
      expect(e.code).toMatch(/^E_[A-Z_]+$/);
      expect(Object.values(errors.ExitCode)).toContain(e.exitCode);
      expect(e.data).toEqual({ file: 'a.yaml' });
      expect(e.cause).toBe(cause);
      expect(e.name).toBe(Cls.name);
      expect(JSON.parse(JSON.stringify(e))).toEqual({ code: e.code, message: 'boom', data: { file: 'a.yaml' } });
      codes.add(e.code);
    }
    expect(codes.size).toBe(classes.length);
    expect(classes.length).toBeGreaterThanOrEqual(12);
  });

  it('each carries its exit code and its HTTP status, a new class included only with a row here', () => {
    expect(classes.map((c) => c.name).sort()).toEqual(Object.keys(meaning).sort());
    for (const Cls of classes) {
      const e = new Cls('boom');
      expect([e.code, e.exitCode, e.httpStatus], Cls.name).toEqual(meaning[Cls.name]);
    }
  });

  // Subclasses outside lib/errors (grep "extends .*Error" under lib/).
  it.each([
    {
      name: 'KubeApiError',
      e: new KubeApiError('Deployment/shop/web: bad request', { status: 400, reason: 'BadRequest', causes: [] }),
      want: ['E_KUBE_API', 6, 500],
    },
    {
      name: 'VersionTagMovedError',
      e: new VersionTagMovedError({
        bundle: 'web',
        version: '1.0.1',
        location: 'registry.example/drover/web',
        recorded: 'sha256:aa',
        found: 'sha256:bb',
      }),
      want: ['E_CONFLICT', 5, 409],
    },
  ])('$name carries its exit code and its HTTP status', ({ e, want }) => {
    expect(e).toBeInstanceOf(errors.DroverError);
    expect([e.code, e.exitCode, e.httpStatus]).toEqual(want);
    expect(Object.keys(e.toJSON())).toEqual(['code', 'message', 'data']);
  });

  it('toDroverError keeps DroverErrors and wraps the rest', () => {
    const nf = new errors.NotFoundError('x');
    expect(errors.toDroverError(nf)).toBe(nf);
    const wrapped = errors.toDroverError(new TypeError('bad'));
    expect(wrapped.code).toBe('E_INTERNAL');
    expect(wrapped.message).toBe('bad');
    expect(errors.toDroverError('str').message).toBe('str');
  });

  it('never carry a URL credential in message, data, stack or JSON, whoever made them', () => {
    const url = 'https://bot:pw-canary@git.example/x.git?private_token=tok-canary&ref=main';
    const failures = [{ ref: 'ConfigMap/a/b', error: { message: `GET ${url}` } }];
    const made = [
      new errors.UnavailableError(`${url}: fetch failed`, { data: { url, failures, at: new Date(0) } }),
      errors.toDroverError(new Error(`request to ${url} failed, reason: ECONNREFUSED`)),
      errors.toDroverError(`fetch ${url}`),
    ];
    for (const e of made) {
      const shown = `${e.message} ${JSON.stringify(e)} ${e.stack ?? ''}`;
      expect(shown).not.toContain('pw-canary');
      expect(shown).not.toContain('tok-canary');
      expect(shown).toContain('https://git.example/x.git?private_token=***&ref=main');
    }
    expect(made[0]!.data.at).toEqual(new Date(0));
    // Data with nothing to redact is kept as given.
    const data = { file: 'a.yaml', list: [1, 'two'] };
    expect(new errors.InvalidInputError('bad', { data }).data).toBe(data);
  });
});

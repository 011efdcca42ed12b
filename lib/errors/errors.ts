/**
 * Drover's one error hierarchy. Every failure that crosses a module boundary is
 * a `DroverError` with a stable string `code` (for programs), a human message
 * (for people), structured `data` and an optional `cause`. Each class carries
 * what it means to both interfaces: the CLI exits with the error's `exitCode`
 * (read in one place, cmd/main.ts) and the HTTP API and dashboard answer with
 * its `httpStatus`; neither maps codes itself.
 * Failures across several objects or clusters go in `data` as a list
 * (`failures: [{ref, error}]`), never only as a joined message.
 *
 * Every message and every string of `data` is passed through
 * `redactCredentials` (lib/foundation/redact.ts) when the error is made, so a
 * URL carrying userinfo or a credential parameter (`?private_token=...`) is
 * shown redacted wherever the error goes: the CLI's message, the API's
 * answer, the daemon's and the agent's logs.
 *
 * @example
 *   throw new InvalidInputError('malformed YAML', { data: { file: 'app/cm.yaml', line: 3 } });
 */
import { redactCredentials } from '../foundation/redact.ts';

/** Process exit statuses, one per class of outcome. Only cmd/ reads them. */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  invalidInput: 3,
  notFound: 4,
  conflict: 5,
  unavailable: 6,
  releaseFailed: 7,
  rollbackFailed: 8,
  driftFound: 9,
  unauthorized: 10,
  signatureRefused: 11,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorData = Record<string, unknown>;

export interface DroverErrorOptions {
  data?: ErrorData;
  cause?: unknown;
}

export class DroverError extends Error {
  readonly code: string = 'E_INTERNAL';
  readonly exitCode: ExitCode = ExitCode.internal;
  /** The status the HTTP API answers with when this error ends a request. Only http/ reads it. */
  readonly httpStatus: number = 500;
  readonly data: ErrorData;

  constructor(message: string, { data = {}, cause }: DroverErrorOptions = {}) {
    // A URL's userinfo or credential parameters never reach a message or data, whoever wrote them in.
    super(redactCredentials(message), cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.data = redactData(data);
  }

  toJSON(): { code: string; message: string; data: ErrorData } {
    return { code: this.code, message: this.message, data: this.data };
  }
}

/** Wrong flags or arguments on the command line. */
export class UsageError extends DroverError {
  override readonly code = 'E_USAGE';
  override readonly exitCode = ExitCode.usage;
  override readonly httpStatus = 400;
}

/** A file or object a user wrote is malformed or breaks a rule; names the file or object. */
export class InvalidInputError extends DroverError {
  override readonly code = 'E_INVALID_INPUT';
  override readonly exitCode = ExitCode.invalidInput;
  override readonly httpStatus = 400;
}

/** Something asked for by name does not exist (bundle, version, tag, cluster). */
export class NotFoundError extends DroverError {
  override readonly code = 'E_NOT_FOUND';
  override readonly exitCode = ExitCode.notFound;
  override readonly httpStatus = 404;
}

/** The request contradicts recorded state: an immutable tag, a held lease, a claimed object. */
export class ConflictError extends DroverError {
  override readonly code = 'E_CONFLICT';
  override readonly exitCode = ExitCode.conflict;
  override readonly httpStatus = 409;
}

/**
 * Repository content crossed a cap on reading it (drover.yaml `limits`): more
 * tree entries, deeper directories or more blob bytes than allowed. `data`
 * says `{path, setting, limit, value}`: where it crossed and which setting
 * to raise. HTTP 422: the request was fine, the content cannot be taken.
 */
export class TreeLimitError extends DroverError {
  override readonly code = 'E_TREE_LIMIT';
  override readonly exitCode = ExitCode.invalidInput;
  override readonly httpStatus = 422;
}

/** A remote part (Git server, registry, cluster) did not answer or answered wrongly. */
export class UnavailableError extends DroverError {
  override readonly code = 'E_UNAVAILABLE';
  override readonly exitCode = ExitCode.unavailable;
  override readonly httpStatus = 503;
}

/** Credentials were refused or missing. Never carries the credentials themselves. */
export class UnauthorizedError extends DroverError {
  override readonly code = 'E_UNAUTHORIZED';
  override readonly exitCode = ExitCode.unauthorized;
  override readonly httpStatus = 401;
}

/** Content fetched from a remote did not match its digest, size or media type. */
export class IntegrityError extends DroverError {
  override readonly code = 'E_INTEGRITY';
  override readonly exitCode = ExitCode.unavailable;
  // Answered as an unavailable remote is: the fault is in what the remote served, not in the request.
  override readonly httpStatus = 503;
}

/** A release failed and the cluster was returned to the previous version. HTTP 422: the version could not be made healthy (a refusal is a 409 conflict). */
export class ReleaseFailedError extends DroverError {
  override readonly code = 'E_RELEASE_FAILED';
  override readonly exitCode = ExitCode.releaseFailed;
  override readonly httpStatus = 422;
}

/** A release failed and restoring the previous version failed too: needs a person. */
export class RollbackFailedError extends DroverError {
  override readonly code = 'E_ROLLBACK_FAILED';
  override readonly exitCode = ExitCode.rollbackFailed;
  override readonly httpStatus = 500;
}

/** Drift was found and the caller asked for a non-zero exit when it is. */
export class DriftFoundError extends DroverError {
  override readonly code = 'E_DRIFT';
  override readonly exitCode = ExitCode.driftFound;
  // Only `drover drift --exit-code` raises it today; a request ended by it met live state contradicting the recorded.
  override readonly httpStatus = 409;
}

/**
 * A version's signature did not verify against the trusted keys: unsigned,
 * a bad signature, an untrusted key, or a signature of another digest.
 * `data.reason` says which (a fixed vocabulary, lib/signature), `data.digest`
 * what was checked. HTTP 422: the version exists, it cannot be taken.
 */
export class SignatureRefusedError extends DroverError {
  override readonly code = 'E_SIGNATURE_REFUSED';
  override readonly exitCode = ExitCode.signatureRefused;
  override readonly httpStatus = 422;
}

/**
 * A document of the agent protocol (an environment's index, an agent's
 * status) that a reader refuses to act on: `data.reason` says why, one of
 * `unsigned`, `bad-signature`, `untrusted-key`, `replayed` (a sequence lower
 * than the last accepted), `future` (dated beyond the clock skew) or
 * `protocol` (written by a side speaking another protocol version).
 * Exit code and HTTP status as a refused version signature.
 */
export class DocumentRefusedError extends DroverError {
  override readonly code = 'E_DOCUMENT_REFUSED';
  override readonly exitCode = ExitCode.signatureRefused;
  override readonly httpStatus = 422;
}

/**
 * One failure among several objects: the object's ref and what went wrong.
 * In an error's `data` a list of them is written `failures: [{ref, error: error.toJSON()}]`.
 */
export interface ObjectFailure {
  ref: string;
  error: DroverError;
}

/** `data` with credentials redacted from every string in it (plain objects and arrays walked; anything else kept as is). */
function redactData(data: ErrorData): ErrorData {
  const seen = new WeakSet<object>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactCredentials(v);
    if (typeof v !== 'object' || v === null || seen.has(v)) return v;
    seen.add(v);
    if (Array.isArray(v)) {
      const out = v.map(walk);
      return out.some((x, i) => x !== v[i]) ? out : v;
    }
    if (Object.getPrototypeOf(v) === Object.prototype) {
      const entries = Object.entries(v).map(([k, x]) => [k, walk(x)] as const);
      return entries.some(([k, x]) => x !== (v as Record<string, unknown>)[k]) ? Object.fromEntries(entries) : v;
    }
    return v;
  };
  return walk(data) as ErrorData;
}

/** Wraps anything thrown into a DroverError (its message redacted as every DroverError's is), keeping DroverErrors as they are. */
export function toDroverError(err: unknown): DroverError {
  if (err instanceof DroverError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new DroverError(message, { cause: err });
}

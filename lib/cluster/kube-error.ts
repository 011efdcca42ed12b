/**
 * Errors from a Kubernetes API server, classified by the `Status` object the
 * server returns (reason and causes), never by matching message text alone.
 */
import {
  ConflictError,
  DroverError,
  ExitCode,
  InvalidInputError,
  NotFoundError,
  UnauthorizedError,
  UnavailableError,
} from '../errors/errors.ts';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; kind?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
}

export class KubeApiError extends DroverError {
  override readonly code: string = 'E_KUBE_API';
  override readonly exitCode: ExitCode = ExitCode.unavailable;
  // An answer kubeError leaves unclassified (a 400, a refused immutable change, an apply conflict) is, to a caller
  // of Drover's API, a fault inside Drover: answered 500, as it always was.
  override readonly httpStatus: number = 500;
  readonly status: number;
  readonly reason: string;
  readonly causes: StatusCause[];

  constructor(
    message: string,
    {
      status,
      reason,
      causes,
      data,
      cause,
    }: { status: number; reason: string; causes: StatusCause[]; data?: Record<string, unknown>; cause?: unknown },
  ) {
    super(message, { data: { status, reason, causes, ...data }, cause });
    this.status = status;
    this.reason = reason;
    this.causes = causes;
  }

  /**
   * True when the server refused a change to a field that cannot change after
   * creation: "field is immutable", or "may not change once set" (a Service's
   * clusterIP, validated apart from the generic immutability check).
   */
  get immutable(): boolean {
    return (
      this.reason === 'Invalid' &&
      this.causes.some(
        (c) => c.reason === 'FieldValueInvalid' && /immutable|may not change once set/i.test(c.message ?? ''),
      )
    );
  }
}

/** Builds the right error for a failed request; `subject` names the object (`Kind/ns/name`) or the path. */
export function kubeError(subject: string, status: number, body: unknown): DroverError {
  const s = (typeof body === 'object' && body !== null ? body : {}) as KubeStatus;
  const reason = s.reason ?? String(status);
  const causes = s.details?.causes ?? [];
  const message = `${subject}: ${s.message ?? (typeof body === 'string' && body ? body.slice(0, 300) : `HTTP ${status}`)}`;
  const err = new KubeApiError(message, { status, reason, causes, data: { subject } });
  // Keep the typed subclasses' exit codes: callers may test for NotFound or Conflict.
  if (status === 404) return Object.assign(new NotFoundError(message, { data: err.data, cause: err }), { kube: err });
  if (status === 401 || status === 403)
    return Object.assign(new UnauthorizedError(message, { data: err.data, cause: err }), { kube: err });
  if (status === 409 && reason === 'AlreadyExists')
    return Object.assign(new ConflictError(message, { data: err.data, cause: err }), { kube: err });
  if (status === 422 && !err.immutable)
    return Object.assign(new InvalidInputError(message, { data: err.data, cause: err }), { kube: err });
  if (status >= 500 || status === 429)
    return Object.assign(new UnavailableError(message, { data: err.data, cause: err }), { kube: err });
  return err;
}

/** The KubeApiError behind any error kubeError built, if there is one. */
export function kubeCause(err: unknown): KubeApiError | undefined {
  if (err instanceof KubeApiError) return err;
  const k = (err as { kube?: unknown } | undefined)?.kube;
  return k instanceof KubeApiError ? k : undefined;
}

/** One field another manager holds, from a server-side apply conflict (status 409, causes of reason FieldManagerConflict). */
export interface FieldConflict {
  manager: string;
  field: string;
}

/**
 * The fields and managers of an apply conflict, or an empty list for any
 * other error. The manager's name is only in each cause's message
 * (`conflict with "kubectl-edit" using v1`); the reason and field are structured.
 */
export function fieldConflicts(err: unknown): FieldConflict[] {
  const k = kubeCause(err);
  if (!k || k.status !== 409) return [];
  return k.causes
    .filter((c) => c.reason === 'FieldManagerConflict')
    .map((c) => ({
      manager: /conflict with "([^"]*)"/.exec(c.message ?? '')?.[1] ?? 'another manager',
      field: c.field ?? '',
    }));
}

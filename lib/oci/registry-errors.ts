/**
 * Turns a registry's error response into a DroverError: 404 NotFoundError,
 * 401/403 UnauthorizedError, anything else UnavailableError. The registry's own
 * error codes (`BLOB_UNKNOWN`, `MANIFEST_INVALID`, ...) go into `data.codes`;
 * nothing from the request (headers, credentials) is ever included.
 */
import { type DroverError, NotFoundError, UnauthorizedError, UnavailableError } from '../errors/errors.ts';
import type { HttpResponse } from './http-fetch.ts';

interface RegistryErrorBody {
  errors?: { code?: unknown; message?: unknown }[];
}

/** Reads at most 64 KiB of an error body; registries send small JSON documents. */
async function readErrorBody(response: HttpResponse): Promise<{ codes: string[]; messages: string[] }> {
  const codes: string[] = [];
  const messages: string[] = [];
  try {
    const reader = response.body?.getReader();
    if (!reader) return { codes, messages };
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
      if (total > 65536) {
        await reader.cancel();
        break;
      }
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as RegistryErrorBody;
    for (const e of body.errors ?? []) {
      if (typeof e.code === 'string') codes.push(e.code.slice(0, 64));
      if (typeof e.message === 'string') messages.push(e.message.slice(0, 200));
    }
  } catch {
    // not JSON: the status says enough
  }
  return { codes, messages };
}

/** `what` names the operation and object: `GET manifest 1.2.0 of 127.0.0.1:5000/drover/web`. */
export async function errorFromResponse(response: HttpResponse, what: string): Promise<DroverError> {
  const { codes, messages } = await readErrorBody(response);
  const detail = messages.length ? `: ${messages.join('; ')}` : codes.length ? `: ${codes.join(', ')}` : '';
  const message = `${what}: HTTP ${response.status}${detail}`;
  const data = { status: response.status, codes };
  if (response.status === 404) return new NotFoundError(message, { data });
  if (response.status === 401 || response.status === 403) return new UnauthorizedError(message, { data });
  return new UnavailableError(message, { data: { ...data, dependency: 'registry' } });
}

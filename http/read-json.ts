/**
 * The JSON body of an API request, bounded: too large is 413 (the error
 * handler closes the connection: the rest of the body was not read), unparseable or not an object is 400. Throws the
 * error the app's one error handler answers with.
 *
 * @example
 *   const body = await readJsonObject({ c, maxBytes: 64 * 1024 }); // Record<string, unknown>
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { InvalidInputError } from '../lib/index.ts';
import { readBoundedBody } from './read-body.ts';

export async function readJsonObject({
  c,
  maxBytes,
}: {
  c: Context;
  maxBytes: number;
}): Promise<Record<string, unknown>> {
  const body = await readBoundedBody({ c, maxBytes });
  if (!body.ok) {
    if (body.reason === 'aborted') throw new InvalidInputError('request body aborted');
    throw new HTTPException(413, { message: `request body over ${maxBytes} bytes` });
  }
  if (body.body.length === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(body.body.toString('utf8'));
  } catch (err) {
    throw new InvalidInputError(`request body is not JSON: ${(err as Error).message}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new InvalidInputError('request body must be a JSON object');
  return v as Record<string, unknown>;
}

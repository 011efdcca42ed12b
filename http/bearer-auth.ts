/**
 * API authentication: `Authorization: Bearer <token>` compared in constant
 * time with the token from the environment variable `serve.tokenEnv` names.
 * Without a configured token every API request is refused (reads too: the
 * API shows release history, cluster names and failure messages), so a
 * daemon started without a token is closed, never open. (Hono's own
 * bearer-auth middleware compares by hashing both sides and answers its own
 * shapes; this keeps the daemon's 401 body and the "closed" case.)
 *
 * @example
 *   checkBearer({ authorization: c.req.header('authorization'), token }) // 'ok' | 'unconfigured' | 'missing' | 'invalid'
 *   app.use('/api/v1/*', requireBearer(() => h.apiToken));
 */
import type { MiddlewareHandler } from 'hono';
import { errorReply } from './reply.ts';
import { constantTimeEqual } from './verify-webhook.ts';

export type BearerVerdict = 'ok' | 'unconfigured' | 'missing' | 'invalid';

export function checkBearer({
  authorization,
  token,
}: {
  authorization: string | undefined;
  token: string | undefined;
}): BearerVerdict {
  if (!token) return 'unconfigured';
  if (!authorization) return 'missing';
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  if (!m) return 'invalid';
  return constantTimeEqual(m[1]!, token) ? 'ok' : 'invalid';
}

const REFUSALS: Record<Exclude<BearerVerdict, 'ok'>, string> = {
  unconfigured: 'the API is closed: no token is configured (set the variable serve.tokenEnv names)',
  missing: 'missing bearer token',
  invalid: 'invalid bearer token',
};

/** Lets a request through only with the API token; 401 with `WWW-Authenticate: Bearer` otherwise. */
export function requireBearer(token: () => string | undefined): MiddlewareHandler {
  return async (c, next) => {
    const v = checkBearer({ authorization: c.req.header('authorization'), token: token() });
    if (v !== 'ok')
      return errorReply(c, 401, 'E_UNAUTHORIZED', REFUSALS[v], {
        headers: { 'www-authenticate': 'Bearer realm="drover"' },
      });
    await next();
  };
}

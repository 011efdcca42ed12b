/**
 * API authentication: `Authorization: Bearer <token>` compared in constant
 * time with the token from the environment variable `serve.tokenEnv` names.
 * Without a configured token every API request is refused (reads too: the
 * API shows release history, cluster names and failure messages), so a
 * daemon started without a token is closed, never open.
 *
 * @example
 *   checkBearer({ authorization: req.headers.authorization, token }) // 'ok' | 'unconfigured' | 'missing' | 'invalid'
 */
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

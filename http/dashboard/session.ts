/**
 * Dashboard sessions: a person logs in with the API token (the same
 * credential, so the same authorization as the API) and gets a random
 * session id in a cookie (session-cookie.ts); the token itself is never put
 * in a cookie, a URL or a page. Each session has its own CSRF token, put in
 * every form the dashboard renders and checked (in constant time) on every
 * state-changing request, so another site cannot post on a logged-in
 * person's behalf even where SameSite is not honoured.
 *
 * Sessions live in the daemon's memory: a restart logs everyone out, which
 * is the safe way round. They expire after `ttlMs` without use, and after
 * `maxAgeMs` whatever their use (an absolute lifetime: a stolen cookie kept
 * busy does not live for ever).
 *
 * @example
 *   const sessions = createSessionStore({ ttlMs: 8 * 3600_000 });
 *   const s = sessions.create();
 *   sessions.find(s.id) // the session (renewed), or undefined
 */
import { randomBytes } from 'node:crypto';
import { constantTimeEqual } from '../verify-webhook.ts';

export interface Session {
  id: string;
  csrf: string;
  expiresAtMs: number;
  /** The absolute end, whatever the use. */
  endsAtMs: number;
}

export interface SessionStore {
  /** How long a session lasts without use (the cookie's Max-Age). */
  ttlMs: number;
  create(): Session;
  /** The session with this id, renewed by the use; undefined when there is none or it expired. */
  find(id: string | undefined): Session | undefined;
  end(id: string): void;
  /** Whether the session still stands (not ended, not expired), without counting as a use. */
  alive(id: string): boolean;
  /** Whether `presented` is this session's CSRF token. */
  checkCsrf(session: Session, presented: string | undefined): boolean;
}

export function createSessionStore({
  ttlMs = 8 * 3600_000,
  maxAgeMs = 24 * 3600_000,
  now = Date.now,
}: { ttlMs?: number; maxAgeMs?: number; now?: () => number } = {}): SessionStore {
  const sessions = new Map<string, Session>();
  const token = () => randomBytes(32).toString('base64url');
  const sweep = () => {
    for (const [id, s] of sessions) if (s.expiresAtMs <= now()) sessions.delete(id);
  };
  return {
    ttlMs,
    create() {
      sweep();
      const endsAtMs = now() + Math.max(ttlMs, maxAgeMs);
      const s = { id: token(), csrf: token(), expiresAtMs: Math.min(now() + ttlMs, endsAtMs), endsAtMs };
      sessions.set(s.id, s);
      return s;
    },
    find(id) {
      if (!id) return undefined;
      const s = sessions.get(id);
      if (!s) return undefined;
      if (s.expiresAtMs <= now()) {
        sessions.delete(id);
        return undefined;
      }
      s.expiresAtMs = Math.min(now() + ttlMs, s.endsAtMs);
      return s;
    },
    end: (id) => void sessions.delete(id),
    alive: (id) => (sessions.get(id)?.expiresAtMs ?? 0) > now(),
    checkCsrf: (session, presented) =>
      typeof presented === 'string' && presented.length > 0 && constantTimeEqual(presented, session.csrf),
  };
}

/**
 * The session cookie, read and written with Hono's cookie helpers:
 * HttpOnly (no script reads it), SameSite=Strict (other sites do not send
 * it), Path=/, and Max-Age the session's time without use. When
 * `serve.publicUrl` is https the cookie is `Secure` and named with the
 * `__Host-` prefix (which browsers accept only when Secure, Path=/ and no
 * Domain, so no other host or path can set or shadow it), whatever any
 * proxy header says; otherwise it is plain, and `Secure` only when a proxy
 * says the browser came over HTTPS (X-Forwarded-Proto), as before. There is
 * no CSRF cookie: each session's CSRF token is kept with the session, on
 * the server, and put in the forms.
 *
 * @example
 *   const cookies = sessionCookies({ ttlMs, publicUrl: new URL('https://drover.example.com') });
 *   cookies.write(c, session.id); // Set-Cookie: __Host-drover_session=...; Max-Age=28800; Path=/; HttpOnly; Secure; SameSite=Strict
 *   cookies.read(c)               // the id, or undefined
 */
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';

export const SESSION_COOKIE = 'drover_session';

export interface SessionCookies {
  /** The full name the browser keeps (`__Host-drover_session` under an https publicUrl). */
  name: string;
  read(c: Context): string | undefined;
  write(c: Context, id: string): void;
  clear(c: Context): void;
}

export function sessionCookies({ ttlMs, publicUrl }: { ttlMs: number; publicUrl?: URL }): SessionCookies {
  const host = publicUrl?.protocol === 'https:';
  const options = (c: Context, maxAge: number) => ({
    httpOnly: true,
    sameSite: 'Strict' as const,
    path: '/',
    maxAge,
    ...(host ? { prefix: 'host' as const, secure: true } : { secure: c.req.header('x-forwarded-proto') === 'https' }),
  });
  return {
    name: host ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE,
    read: (c) => getCookie(c, SESSION_COOKIE, host ? 'host' : undefined),
    write: (c, id) => setCookie(c, SESSION_COOKIE, id, options(c, Math.round(ttlMs / 1000))),
    clear: (c) => setCookie(c, SESSION_COOKIE, '', options(c, 0)),
  };
}

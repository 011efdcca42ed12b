/**
 * Logging in and out of the dashboard: the login page, the login itself
 * (the API token checked as the API checks its bearer, then a session
 * cookie, session-cookie.ts) and the logout, which like an action needs the
 * session's CSRF token but not a daemon ready to act. After a login the
 * browser goes back to the local page it came from, never to another
 * origin.
 *
 * @example
 *   app.route('/', sessionRoutes({ h, access })); // GET /ui/login, POST /ui/login, POST /ui/logout
 */
import { type Context, Hono } from 'hono';
import type { DaemonHandle } from '../../lib/index.ts';
import type { AppEnv } from '../app-env.ts';
import { checkBearer } from '../bearer-auth.ts';
import { type DashboardAccess, readForm } from './access.ts';
import { clientAddress, createLoginLimiter, type LoginLimiter } from './login-limiter.ts';
import { htmlReply, redirect } from './reply.ts';
import { loginPage } from './views/login.ts';

/** What a relative `next` is resolved against when serve.publicUrl is not set: any origin of our own does, since only the path is kept. */
const OWN_ORIGIN = 'http://drover.invalid';

/**
 * Where to go after logging in: `next` parsed as a URL against serve's own
 * origin (serve.publicUrl's when set), kept only when it stays there (its
 * path, query and fragment). Anything else becomes `/`: another origin
 * (`//x`, `https://other`), a backslash (browsers read `/\x` as `//x`), or
 * any control character (a TAB is dropped by browsers, a CR/LF must never
 * reach a header).
 */
export function safeNext(next: string | null | undefined, origin: string = OWN_ORIGIN): string {
  // eslint-disable-next-line no-control-regex
  if (!next || !next.startsWith('/') || /[\u0000-\u001f\u007f\\]/.test(next)) return '/';
  let u: URL;
  try {
    u = new URL(next, origin);
  } catch {
    return '/';
  }
  const path = `${u.pathname}${u.search}${u.hash}`;
  // `/..//x` resolves to the path `//x`, which a browser reads as another host.
  return u.origin === new URL(origin).origin && !path.startsWith('//') ? path : '/';
}

export function sessionRoutes({
  h,
  access,
  publicUrl,
}: {
  h: DaemonHandle;
  access: DashboardAccess;
  publicUrl?: URL;
}): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  const limiter = createLoginLimiter();
  const origin = publicUrl?.origin ?? OWN_ORIGIN;
  app.get('/ui/login', (c) => htmlReply(c, 200, loginPage({ next: safeNext(c.req.query('next'), origin) })));
  app.post('/ui/login', (c) => logIn({ h, access, limiter, origin, c }));
  app.post('/ui/logout', async (c) => {
    const gate = await access.actor(c);
    if (!gate.ok && gate.reply.status !== 503) return gate.reply;
    const s = access.session(c);
    if (s) access.sessions.end(s.id);
    access.cookies.clear(c);
    return redirect(c, '/ui/login');
  });
  return app;
}

async function logIn({
  h,
  access,
  limiter,
  origin,
  c,
}: {
  h: DaemonHandle;
  access: DashboardAccess;
  limiter: LoginLimiter;
  origin: string;
  c: Context<AppEnv>;
}): Promise<Response> {
  const client = clientAddress({
    peer: c.env?.incoming?.socket.remoteAddress,
    forwardedFor: c.req.header('x-forwarded-for'),
    trustedProxies: h.ctx.ws.config.serve.trustedProxies,
  });
  const wait = limiter.retryAfterSeconds(client);
  if (wait !== undefined) {
    h.ctx.log.warn('dashboard login refused: too many failed logins', { client, retryAfterSeconds: wait });
    return htmlReply(
      c,
      429,
      loginPage({ next: '/', error: `Too many failed logins from here: try again in ${wait} s.` }),
      { 'retry-after': String(wait) },
    );
  }
  const form = await readForm(c);
  const next = safeNext(form?.get('next'), origin);
  const v = checkBearer({
    authorization: form?.get('token') ? `Bearer ${form.get('token')}` : undefined,
    token: h.apiToken,
  });
  if (v !== 'ok') {
    if (v !== 'unconfigured') limiter.fail(client);
    h.ctx.log.warn('dashboard login refused', { reason: v, client });
    return htmlReply(
      c,
      v === 'unconfigured' ? 503 : 401,
      loginPage({
        next,
        error:
          v === 'unconfigured'
            ? 'No API token is configured (set the variable serve.tokenEnv names), so nobody can log in.'
            : 'That is not the API token.',
      }),
    );
  }
  limiter.succeed(client);
  access.cookies.write(c, access.sessions.create().id);
  return redirect(c, next);
}

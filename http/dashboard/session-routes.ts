/**
 * Logging in and out of the dashboard: the login page, the login itself
 * (the API token checked as the API checks its bearer, then a session cookie,
 * `Secure` when the dashboard is reached over HTTPS) and the logout, which
 * like an action needs the session's CSRF token but not a daemon ready to
 * act. After a login the browser goes back to the local page it came from,
 * never to another origin.
 *
 * @example
 *   const routes = sessionRoutes({ h, access }); // GET /ui/login, POST /ui/login, POST /ui/logout
 */
import type { DaemonHandle } from '../../lib/index.ts';
import { checkBearer } from '../bearer-auth.ts';
import type { Reply, RequestContext, Route } from '../router.ts';
import { type DashboardAccess, get, post, readForm } from './access.ts';
import { clientAddress, createLoginLimiter, type LoginLimiter } from './login-limiter.ts';
import { htmlReply, redirect } from './reply.ts';
import { loginPage } from './views/login.ts';

/** A local path to go back to after logging in; anything else (another origin, `//host`) is `/`. */
/** What a relative `next` is resolved against: any origin of our own does, since only the path is kept. */
const OWN_ORIGIN = 'http://drover.invalid';

/**
 * Where to go after logging in: `next` parsed as a URL against serve's own
 * origin, kept only when it stays there (its path, query and fragment).
 * Anything else becomes `/`: another origin (`//x`, `https://other`), a
 * backslash (browsers read `/\x` as `//x`), or any control character (a
 * TAB is dropped by browsers, a CR/LF must never reach a header).
 */
export function safeNext(next: string | null | undefined): string {
  // eslint-disable-next-line no-control-regex
  if (!next || !next.startsWith('/') || /[\u0000-\u001f\u007f\\]/.test(next)) return '/';
  let u: URL;
  try {
    u = new URL(next, OWN_ORIGIN);
  } catch {
    return '/';
  }
  const path = `${u.pathname}${u.search}${u.hash}`;
  // `/..//x` resolves to the path `//x`, which a browser reads as another host.
  return u.origin === OWN_ORIGIN && !path.startsWith('//') ? path : '/';
}

export function sessionRoutes({ h, access }: { h: DaemonHandle; access: DashboardAccess }): Route[] {
  const { sessions } = access;
  const limiter = createLoginLimiter();
  return [
    get('/ui/login', (ctx) => htmlReply(200, loginPage({ next: safeNext(ctx.query.get('next')) }))),
    post('/ui/login', (ctx) => logIn({ h, access, limiter, ctx })),
    post('/ui/logout', async (ctx) => {
      const gate = await access.actor(ctx);
      if (!gate.ok && gate.reply.status !== 503) return gate.reply;
      const s = sessions.fromCookie(ctx.headers.cookie);
      if (s) sessions.end(s.id);
      return redirect('/ui/login', { 'set-cookie': sessions.clearCookie() });
    }),
  ];
}

async function logIn({
  h,
  access,
  limiter,
  ctx,
}: {
  h: DaemonHandle;
  access: DashboardAccess;
  limiter: LoginLimiter;
  ctx: RequestContext;
}): Promise<Reply> {
  const client = clientAddress({
    peer: ctx.req.socket.remoteAddress,
    forwardedFor: ctx.headers['x-forwarded-for'],
    trustedProxies: h.ctx.ws.config.serve.trustedProxies,
  });
  const wait = limiter.retryAfterSeconds(client);
  if (wait !== undefined) {
    h.ctx.log.warn('dashboard login refused: too many failed logins', { client, retryAfterSeconds: wait });
    return htmlReply(
      429,
      loginPage({ next: '/', error: `Too many failed logins from here: try again in ${wait} s.` }),
      {
        'retry-after': String(wait),
      },
    );
  }
  const form = await readForm(ctx.req);
  const next = safeNext(form?.get('next'));
  const v = checkBearer({
    authorization: form?.get('token') ? `Bearer ${form.get('token')}` : undefined,
    token: h.apiToken,
  });
  if (v !== 'ok') {
    if (v !== 'unconfigured') limiter.fail(client);
    h.ctx.log.warn('dashboard login refused', { reason: v, client });
    return htmlReply(
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
  const s = access.sessions.create();
  const secure = ctx.headers['x-forwarded-proto'] === 'https';
  return redirect(next, { 'set-cookie': access.sessions.cookie(s.id, { secure }) });
}

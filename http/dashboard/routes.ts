/**
 * The web dashboard's routes, on the daemon's listener: `/` (overview) and
 * everything under `/ui/` (views, login, confirmations, actions, the live
 * event stream, the static assets). Every page is rendered on the server
 * from the public API (lib/index.ts) through the template functions in
 * views/; nothing here reads the state or a cluster by itself.
 *
 * Who may do what: looking needs a session (a login with the API token) or
 * `serve.dashboard.anonymousRead: true`; every action needs a session (401
 * without one) and the session's CSRF token in the form (403 without it),
 * and runs through the daemon's actions, under the bundle's lock, as the
 * API's do (access.ts). Every answer carries a Content-Security-Policy
 * allowing only this origin's script and style, so even an escaping mistake
 * could not run an inline script (reply.ts).
 *
 * The routes come in groups: the pages to look at (page-routes.ts), the
 * actions with their confirm pages (action-routes.ts), logging in and out
 * (session-routes.ts), and here the live event stream and the assets.
 *
 * @example
 *   const ui = dashboardRoutes(handle); // a Hono app for / and /ui/*, or undefined when the dashboard is off
 *   if (ui) app.route('/', ui);
 */
import { Hono } from 'hono';
import type { DaemonHandle } from '../../lib/index.ts';
import type { AppEnv } from '../app-env.ts';
import { dashboardAccess, type DashboardAccess } from './access.ts';
import { actionRoutes } from './action-routes.ts';
import { assetOf } from './assets.ts';
import { liveEvents } from './live.ts';
import { pageRoutes } from './page-routes.ts';
import { dashboardSecurityHeaders, textReply } from './reply.ts';
import { sessionCookies } from './session-cookie.ts';
import { createSessionStore } from './session.ts';
import { sessionRoutes } from './session-routes.ts';

export { safeNext } from './session-routes.ts';

/** Whether a path is the dashboard's (answered with HTML pages, errors included). */
export const isDashboardPath = (path: string): boolean => path === '/' || path === '/ui' || path.startsWith('/ui/');

export function dashboardRoutes(h: DaemonHandle, { publicUrl }: { publicUrl?: URL } = {}): Hono<AppEnv> | undefined {
  const settings = h.ctx.ws.config.serve.dashboard;
  if (!settings.enabled) return undefined;
  const sessions = createSessionStore({ ttlMs: settings.sessionHours * 3600_000 });
  const cookies = sessionCookies({ ttlMs: sessions.ttlMs, ...(publicUrl ? { publicUrl } : {}) });
  const access = dashboardAccess({ h, sessions, cookies, anonymousRead: settings.anonymousRead });
  const app = new Hono<AppEnv>({ strict: false });
  app.use('/', dashboardSecurityHeaders());
  app.use('/ui/*', dashboardSecurityHeaders());
  app.route('/', pageRoutes({ h, access }));
  app.route('/', actionRoutes({ h, access }));
  app.route('/', sessionRoutes({ h, access, ...(publicUrl ? { publicUrl } : {}) }));
  app.route('/', liveAndAssetRoutes({ h, access }));
  return app;
}

/** Live streams one session may hold open at once. */
const MAX_STREAMS_PER_SESSION = 8;

/** The live event stream a page listens on (for whoever may look), and the static assets (for anyone). */
function liveAndAssetRoutes({ h, access }: { h: DaemonHandle; access: DashboardAccess }): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  // Open streams per session: a page opens one; a few tabs are fine, a loop opening them is not.
  const streams = new Map<string, number>();
  app.get('/ui/events', (c) => {
    const session = access.session(c);
    if (!session) return access.reader(c) ? liveEvents({ h, c }) : textReply(c, 401, 'log in first\n');
    const open = streams.get(session.id) ?? 0;
    if (open >= MAX_STREAMS_PER_SESSION) return textReply(c, 429, 'too many live streams for this session\n');
    streams.set(session.id, open + 1);
    return liveEvents({
      h,
      c,
      stillAllowed: () => access.sessions.alive(session.id),
      onClose: () => {
        const n = (streams.get(session.id) ?? 1) - 1;
        if (n > 0) streams.set(session.id, n);
        else streams.delete(session.id);
      },
    });
  });
  app.get('/ui/assets/:file', (c) => {
    const a = assetOf(c.req.param('file'));
    if (!a) return textReply(c, 404, 'no such asset\n');
    // Names carry no version except the vendored file's, so they are revalidated rather than cached for long.
    return c.body(a.text, 200, { 'content-type': a.type, 'cache-control': 'no-cache' });
  });
  return app;
}

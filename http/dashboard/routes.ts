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
 * API's do (access.ts). Responses carry a Content-Security-Policy allowing
 * only this origin's script and style, so even an escaping mistake could not
 * run an inline script (reply.ts).
 *
 * The routes come in groups: the pages to look at (page-routes.ts), the
 * actions with their confirm pages (action-routes.ts), logging in and out
 * (session-routes.ts), and here the live event stream and the assets.
 *
 * @example
 *   const routes = dashboardRoutes(handle); // [{ method: 'GET', path: '/', ... }, ...]
 */
import type { DaemonHandle } from '../../lib/index.ts';
import type { Route } from '../router.ts';
import { dashboardAccess, type DashboardAccess, get } from './access.ts';
import { actionRoutes } from './action-routes.ts';
import { assetReply } from './assets.ts';
import { liveEvents } from './live.ts';
import { pageRoutes } from './page-routes.ts';
import { SECURITY_HEADERS } from './reply.ts';
import { createSessionStore } from './session.ts';
import { sessionRoutes } from './session-routes.ts';

export { SECURITY_HEADERS } from './reply.ts';
export { safeNext } from './session-routes.ts';

export function dashboardRoutes(h: DaemonHandle): Route[] {
  const settings = h.ctx.ws.config.serve.dashboard;
  if (!settings.enabled) return [];
  const sessions = createSessionStore({ ttlMs: settings.sessionHours * 3600_000 });
  const access = dashboardAccess({ h, sessions, anonymousRead: settings.anonymousRead });
  return [
    ...pageRoutes({ h, access }),
    ...actionRoutes({ h, access }),
    ...sessionRoutes({ h, access }),
    ...liveAndAssetRoutes({ h, access }),
  ];
}

/** Live streams one session may hold open at once. */
const MAX_STREAMS_PER_SESSION = 8;

/** The live event stream a page listens on (for whoever may look), and the static assets (for anyone). */
function liveAndAssetRoutes({ h, access }: { h: DaemonHandle; access: DashboardAccess }): Route[] {
  // Open streams per session: a page opens one; a few tabs are fine, a loop opening them is not.
  const streams = new Map<string, number>();
  return [
    get('/ui/events', (ctx) => {
      if (!access.reader(ctx)) return { status: 401, text: 'log in first\n', headers: SECURITY_HEADERS };
      const session = access.sessions.fromCookie(ctx.headers.cookie);
      if (!session) return liveEvents({ h, query: ctx.query, req: ctx.req });
      const open = streams.get(session.id) ?? 0;
      if (open >= MAX_STREAMS_PER_SESSION)
        return { status: 429, text: 'too many live streams for this session\n', headers: SECURITY_HEADERS };
      streams.set(session.id, open + 1);
      return liveEvents({
        h,
        query: ctx.query,
        req: ctx.req,
        stillAllowed: () => access.sessions.alive(session.id),
        onClose: () => {
          const n = (streams.get(session.id) ?? 1) - 1;
          if (n > 0) streams.set(session.id, n);
          else streams.delete(session.id);
        },
      });
    }),
    get('/ui/assets/:file', (ctx) => assetReply(ctx.params.file!)),
  ];
}

/**
 * Who may look at the dashboard and who may act on it. Looking needs a
 * session (a login with the API token) or `serve.dashboard.anonymousRead:
 * true`; a page asked for without either sends the browser to log in. Every
 * action needs a session (401 without one) and the session's CSRF token in
 * the form (403 without it), and is refused while the daemon is not ready to
 * act (503). The dashboard's routes are not behind the API's bearer check:
 * they check sessions here instead.
 *
 * The CSRF check is our own per-session token rather than Hono's csrf()
 * middleware: that one compares the Origin (or Sec-Fetch-Site) header with
 * the request's own origin, which behind a proxy is not the browser's, and
 * it refuses any form post without those headers (a curl login); a token
 * bound to the session is the stronger check and needs neither.
 *
 * @example
 *   const access = dashboardAccess({ h, sessions, cookies, anonymousRead: false });
 *   app.get('/ui/drift', access.view(async (c, page) => htmlReply(c, 200, driftPage({ ..., ctx: page }))));
 */
import type { Context } from 'hono';
import type { DaemonHandle } from '../../lib/index.ts';
import type { AppEnv } from '../app-env.ts';
import { readBoundedBody } from '../read-body.ts';
import { htmlReply, redirect } from './reply.ts';
import type { SessionCookies } from './session-cookie.ts';
import type { Session, SessionStore } from './session.ts';
import { messagePage, type PageContext } from './views/layout.ts';

const FORM_MAX = 16 * 1024;

type C = Context<AppEnv>;

/** A page's rendering, for a reader allowed to look. */
export type PageRender = (c: C, page: PageContext) => Promise<Response> | Response;

/** What an action's gate decided: go on with the session and its form, or answer with the refusal. */
export type ActorGate = { ok: true; session: Session; form: URLSearchParams } | { ok: false; reply: Response };

export interface DashboardAccess {
  sessions: SessionStore;
  cookies: SessionCookies;
  /** The session the request's cookie names, renewed; undefined without one. */
  session(c: C): Session | undefined;
  /** The page context of a reader: their session's CSRF token, or null for an anonymous reader; undefined when they may not look. */
  reader(c: C): PageContext | undefined;
  /** A page's handler: someone who may not look is sent to log in; what it throws is answered by the app's error handler as a page. */
  view(render: PageRender): (c: C) => Promise<Response>;
  /** An action's gate: a session (401), the session's CSRF token (403), a daemon ready to act (503). */
  actor(c: C): Promise<ActorGate>;
}

/** A form posted to the dashboard, or undefined when it is larger than a form may be (or never arrived whole). */
export async function readForm(c: C): Promise<URLSearchParams | undefined> {
  const body = await readBoundedBody({ c, maxBytes: FORM_MAX });
  return body.ok ? new URLSearchParams(body.body.toString('utf8')) : undefined;
}

export function dashboardAccess({
  h,
  sessions,
  cookies,
  anonymousRead,
}: {
  h: DaemonHandle;
  sessions: SessionStore;
  cookies: SessionCookies;
  anonymousRead: boolean;
}): DashboardAccess {
  const session = (c: C) => sessions.find(cookies.read(c));
  const reader = (c: C): PageContext | undefined => {
    const s = session(c);
    if (s) return { csrf: s.csrf };
    return anonymousRead ? { csrf: null } : undefined;
  };
  return {
    sessions,
    cookies,
    session,
    reader,
    view: (render) => async (c) => {
      const p = reader(c);
      if (!p) {
        const u = new URL(c.req.url);
        return redirect(c, `/ui/login?next=${encodeURIComponent(u.pathname + u.search)}`);
      }
      c.set('page', p);
      return render(c, p);
    },
    actor: (c) => gateAction({ h, sessions, session, c }),
  };
}

async function gateAction({
  h,
  sessions,
  session: sessionOf,
  c,
}: {
  h: DaemonHandle;
  sessions: SessionStore;
  session: (c: C) => Session | undefined;
  c: C;
}): Promise<ActorGate> {
  const refuse = (status: number, page: Parameters<typeof messagePage>[0]): ActorGate => ({
    ok: false,
    reply: htmlReply(c, status, messagePage(page), status === 413 ? { connection: 'close' } : {}),
  });
  const session = sessionOf(c);
  if (!session)
    return refuse(401, {
      title: 'Log in first',
      message: 'Actions need a login (a session cookie); this request had none.',
      ctx: { csrf: null },
      next: { href: '/ui/login', text: 'Log in' },
    });
  c.set('page', { csrf: session.csrf });
  const form = await readForm(c);
  if (!form)
    return refuse(413, {
      title: 'Request too large',
      message: `A form is at most ${FORM_MAX} bytes.`,
      ctx: { csrf: session.csrf },
    });
  if (!sessions.checkCsrf(session, form.get('csrf') ?? undefined))
    return refuse(403, {
      title: 'Refused',
      message: 'The form did not carry this session’s CSRF token. Reload the page and try again.',
      ctx: { csrf: session.csrf },
    });
  if (h.status().shuttingDown || !h.status().ready)
    return refuse(503, {
      title: 'Not now',
      message: h.status().shuttingDown
        ? 'drover serve is shutting down: not taking actions.'
        : 'drover serve is not ready yet (recovery running).',
      ctx: { csrf: session.csrf },
    });
  return { ok: true, session, form };
}

/**
 * Who may look at the dashboard and who may act on it. Looking needs a
 * session (a login with the API token) or `serve.dashboard.anonymousRead:
 * true`; a page asked for without either sends the browser to log in. Every
 * action needs a session (401 without one) and the session's CSRF token in
 * the form (403 without it), and is refused while the daemon is not ready to
 * act (503). The dashboard's routes skip the router's bearer check
 * (`auth: 'none'`) because they check sessions here instead.
 *
 * @example
 *   const access = dashboardAccess({ h, sessions, anonymousRead: false });
 *   get('/ui/drift', access.view(async (ctx, page) => htmlReply(200, driftPage({ ..., ctx: page }))));
 */
import type { IncomingMessage } from 'node:http';
import { type DaemonHandle, toDroverError } from '../../lib/index.ts';
import { readBoundedBody } from '../read-body.ts';
import type { Reply, RequestContext, Route } from '../router.ts';
import { htmlReply, redirect } from './reply.ts';
import type { Session, SessionStore } from './session.ts';
import { messagePage, type PageContext } from './views/layout.ts';

const FORM_MAX = 16 * 1024;

/** A page's rendering, for a reader allowed to look. */
export type PageRender = (ctx: RequestContext, page: PageContext) => Promise<Reply> | Reply;

/** What an action's gate decided: go on with the session and its form, or answer with the refusal. */
export type ActorGate = { ok: true; session: Session; form: URLSearchParams } | { ok: false; reply: Reply };

export interface DashboardAccess {
  sessions: SessionStore;
  /** The page context of a reader: their session's CSRF token, or null for an anonymous reader; undefined when they may not look. */
  reader(ctx: RequestContext): PageContext | undefined;
  /** A page's handler: someone who may not look is sent to log in; an error is shown as a page with its status. */
  view(render: PageRender): Route['handler'];
  /** An action's gate: a session (401), the session's CSRF token (403), a daemon ready to act (503). */
  actor(ctx: RequestContext): Promise<ActorGate>;
}

export const get = (path: string, handler: Route['handler']): Route => ({ method: 'GET', path, auth: 'none', handler });
export const post = (path: string, handler: Route['handler']): Route => ({
  method: 'POST',
  path,
  auth: 'none',
  handler,
});

/** A form posted to the dashboard, or undefined when it is larger than a form may be. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const body = await readBoundedBody({ stream: req, headers: req.headers, maxBytes: FORM_MAX });
  return body.ok ? new URLSearchParams(body.body.toString('utf8')) : undefined;
}

export function dashboardAccess({
  h,
  sessions,
  anonymousRead,
}: {
  h: DaemonHandle;
  sessions: SessionStore;
  anonymousRead: boolean;
}): DashboardAccess {
  const reader = (ctx: RequestContext): PageContext | undefined => {
    const s = sessions.fromCookie(ctx.headers.cookie);
    if (s) return { csrf: s.csrf };
    return anonymousRead ? { csrf: null } : undefined;
  };
  return {
    sessions,
    reader,
    view: (render) => pageHandler({ reader, render }),
    actor: (ctx) => gateAction({ h, sessions, ctx }),
  };
}

function pageHandler({ reader, render }: { reader: DashboardAccess['reader']; render: PageRender }): Route['handler'] {
  return async (ctx) => {
    const p = reader(ctx);
    if (!p)
      return redirect(
        `/ui/login?next=${encodeURIComponent(ctx.path + (ctx.query.size ? `?${ctx.query.toString()}` : ''))}`,
      );
    try {
      return await render(ctx, p);
    } catch (err) {
      const e = toDroverError(err);
      return htmlReply(
        e.httpStatus,
        messagePage({
          title: e.code === 'E_NOT_FOUND' ? 'Not found' : 'Could not show this',
          message: e.message,
          ctx: p,
          next: { href: '/', text: 'Back to the overview' },
        }),
      );
    }
  };
}

async function gateAction({
  h,
  sessions,
  ctx,
}: {
  h: DaemonHandle;
  sessions: SessionStore;
  ctx: RequestContext;
}): Promise<ActorGate> {
  const refuse = (status: number, page: Parameters<typeof messagePage>[0]): ActorGate => ({
    ok: false,
    reply: htmlReply(status, messagePage(page)),
  });
  const session = sessions.fromCookie(ctx.headers.cookie);
  if (!session)
    return refuse(401, {
      title: 'Log in first',
      message: 'Actions need a login (a session cookie); this request had none.',
      ctx: { csrf: null },
      next: { href: '/ui/login', text: 'Log in' },
    });
  const form = await readForm(ctx.req);
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

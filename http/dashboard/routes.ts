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
 * API's do. Responses carry a Content-Security-Policy allowing only this
 * origin's script and style, so even an escaping mistake could not run an
 * inline script.
 *
 * @example
 *   const routes = dashboardRoutes(handle); // [{ method: 'GET', path: '/', ... }, ...]
 */
import type { IncomingMessage } from 'node:http';
import * as drover from '../../lib/index.ts';
import {
  type DaemonHandle,
  NotFoundError,
  outcomeError,
  type RolloutResult,
  toDroverError,
  UsageError,
} from '../../lib/index.ts';
import { readBoundedBody } from '../read-body.ts';
import type { Reply, RequestContext, Route } from '../router.ts';
import { checkBearer } from '../bearer-auth.ts';
import { assetReply } from './assets.ts';
import type { SafeHtml } from './html.ts';
import { liveEvents } from './live.ts';
import { buildConfirm } from './confirm-model.ts';
import { createSessionStore, type Session } from './session.ts';
import { bundlePage } from './views/bundle.ts';
import { confirmPage, type ActionKind } from './views/confirm.ts';
import { diffPage } from './views/diff.ts';
import { driftPage } from './views/drift.ts';
import { links } from './views/format.ts';
import { messagePage, type PageContext } from './views/layout.ts';
import { loginPage } from './views/login.ts';
import { overviewPage, PAGE_SIZE } from './views/overview.ts';
import { PIPELINE_PAGE, pipelinePage } from './views/pipeline.ts';
import { outcomeText } from './views/outcome.ts';
import { rolloutPage } from './views/rollout.ts';

const FORM_MAX = 16 * 1024;
/** How long an action may run before the browser is sent on to watch it live. */
/** Whether what an action resolved to is a rollout's result (a heal's report is not). */
const isRolloutResult = (x: unknown): x is RolloutResult =>
  typeof x === 'object' && x !== null && 'outcome' in x && 'failures' in x;

const ACTION_WAIT_MS = 1500;

export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

const htmlReply = (status: number, body: SafeHtml, headers: Record<string, string> = {}): Reply => ({
  status,
  text: body.value,
  contentType: 'text/html; charset=utf-8',
  headers: { ...SECURITY_HEADERS, ...headers },
});
const redirect = (location: string, headers: Record<string, string> = {}): Reply => ({
  status: 303,
  text: '',
  headers: { ...SECURITY_HEADERS, location, ...headers },
});

/** A local path to go back to after logging in; anything else (another origin, `//host`) is `/`. */
export function safeNext(next: string | null | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const body = await readBoundedBody({ stream: req, headers: req.headers, maxBytes: FORM_MAX });
  return body.ok ? new URLSearchParams(body.body.toString('utf8')) : undefined;
}

export function dashboardRoutes(h: DaemonHandle): Route[] {
  const settings = h.ctx.ws.config.serve.dashboard;
  if (!settings.enabled) return [];
  const sessions = createSessionStore({ ttlMs: settings.sessionHours * 3600_000 });
  const ws = () => h.ctx.ws;
  const secure = (ctx: RequestContext) => ctx.headers['x-forwarded-proto'] === 'https';

  /** The page context of a reader: their session's CSRF token, or null for an anonymous reader; undefined when they may not look. */
  const reader = (ctx: RequestContext): PageContext | undefined => {
    const s = sessions.fromCookie(ctx.headers.cookie);
    if (s) return { csrf: s.csrf };
    return settings.anonymousRead ? { csrf: null } : undefined;
  };
  const view =
    (render: (ctx: RequestContext, page: PageContext) => Promise<Reply> | Reply): Route['handler'] =>
    async (ctx) => {
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
  const get = (path: string, handler: Route['handler']): Route => ({ method: 'GET', path, auth: 'none', handler });
  const post = (path: string, handler: Route['handler']): Route => ({ method: 'POST', path, auth: 'none', handler });

  /** An action's gate: a session (401), the session's CSRF token (403), a daemon ready to act (503). */
  const actor = async (
    ctx: RequestContext,
  ): Promise<{ ok: true; session: Session; form: URLSearchParams } | { ok: false; reply: Reply }> => {
    const session = sessions.fromCookie(ctx.headers.cookie);
    const anon = { csrf: null };
    if (!session)
      return {
        ok: false,
        reply: htmlReply(
          401,
          messagePage({
            title: 'Log in first',
            message: 'Actions need a login (a session cookie); this request had none.',
            ctx: anon,
            next: { href: '/ui/login', text: 'Log in' },
          }),
        ),
      };
    const form = await readForm(ctx.req);
    if (!form)
      return {
        ok: false,
        reply: htmlReply(
          413,
          messagePage({
            title: 'Request too large',
            message: `A form is at most ${FORM_MAX} bytes.`,
            ctx: { csrf: session.csrf },
          }),
        ),
      };
    if (!sessions.checkCsrf(session, form.get('csrf') ?? undefined))
      return {
        ok: false,
        reply: htmlReply(
          403,
          messagePage({
            title: 'Refused',
            message: 'The form did not carry this session’s CSRF token. Reload the page and try again.',
            ctx: { csrf: session.csrf },
          }),
        ),
      };
    if (h.status().shuttingDown || !h.status().ready)
      return {
        ok: false,
        reply: htmlReply(
          503,
          messagePage({
            title: 'Not now',
            message: h.status().shuttingDown
              ? 'drover serve is shutting down: not taking actions.'
              : 'drover serve is not ready yet (recovery running).',
            ctx: { csrf: session.csrf },
          }),
        ),
      };
    return { ok: true, session, form };
  };

  const runAction = async (
    kind: ActionKind,
    form: URLSearchParams,
  ): Promise<{ promise: Promise<unknown>; next: string }> => {
    const need = (k: string) => {
      const v = form.get(k);
      if (!v) throw new UsageError(`${k} is required`);
      return v;
    };
    const bundle = (await drover.bundle({ ws: ws(), bundle: need('bundle') })).name;
    switch (kind) {
      case 'promote': {
        const to = need('to');
        const version = need('version');
        return {
          promise: h.actions.promote({ bundle, to, version, plan: form.get('plan') || undefined }),
          next: links.rollout(bundle, version, to),
        };
      }
      case 'rollback': {
        const environment = need('environment');
        const to = need('to');
        return {
          promise: h.actions.rollback({ bundle, environment, to, plan: form.get('plan') || undefined }),
          next: links.rollout(bundle, to, environment),
        };
      }
      case 'deploy': {
        const version = need('version');
        const environment = form.get('environment') || undefined;
        const cluster = form.get('cluster') || undefined;
        if (!environment === !cluster) throw new UsageError('deploy needs exactly one of environment or cluster');
        const env = environment ?? ws().config.environments.find((e) => e.clusters.includes(cluster!))?.name;
        return {
          promise: h.actions.deploy({
            bundle,
            version,
            ...(environment ? { environment } : { cluster: cluster! }),
            plan: form.get('plan') || undefined,
          }),
          next: env ? links.rollout(bundle, version, env) : links.bundle(bundle),
        };
      }
      case 'heal': {
        const cluster = need('cluster');
        return { promise: h.actions.heal({ bundle, cluster }), next: links.drift({ bundle }) };
      }
    }
  };

  const ACTIONS: ActionKind[] = ['promote', 'rollback', 'deploy', 'heal'];
  return [
    get(
      '/',
      view((ctx, p) => {
        const pageNo = Math.max(1, Number(ctx.query.get('page') ?? 1) || 1);
        const namespace =
          ctx.query.has('namespace') && ctx.query.get('namespace') !== '' ? ctx.query.get('namespace')! : undefined;
        return drover
          .overview({
            ws: ws(),
            q: ctx.query.get('q') ?? '',
            ...(namespace !== undefined ? { namespace } : {}),
            offset: (pageNo - 1) * PAGE_SIZE,
            limit: PAGE_SIZE,
          })
          .then((v) => htmlReply(200, overviewPage({ view: v, ctx: p })));
      }),
    ),
    get(
      '/ui/bundles/:bundle',
      view(async (ctx, p) => {
        const detail = await drover.bundle({ ws: ws(), bundle: ctx.params.bundle! });
        const versions = await Promise.all(
          detail.versions.slice(0, 30).map((v) => drover.show({ ws: ws(), bundle: detail.name, version: v.version })),
        );
        const wanted = ctx.query.get('version');
        const selected = wanted ? await drover.show({ ws: ws(), bundle: detail.name, version: wanted }) : versions[0];
        let discovered: drover.DiscoveredView | undefined;
        let discoverError: string | null = null;
        if (selected && selected.version === detail.latest) {
          try {
            discovered = (
              await drover.discover({
                ws: ws(),
                bundle: detail.name,
                signal: AbortSignal.timeout(10_000),
              })
            )[0];
          } catch (err) {
            discoverError = toDroverError(err).message;
          }
        }
        return htmlReply(200, bundlePage({ detail, versions, selected, discovered, discoverError, ctx: p }));
      }),
    ),
    get(
      '/ui/bundles/:bundle/diff',
      view(async (ctx, p) => {
        const bundle = (await drover.bundle({ ws: ws(), bundle: ctx.params.bundle! })).name;
        const from = ctx.query.get('from');
        const to = ctx.query.get('to');
        if (!from || !to) throw new UsageError('a diff needs from and to');
        const diff = await drover.diff({
          ws: ws(),
          from: `${bundle}@${from}`,
          to: `${bundle}@${to}`,
          signal: AbortSignal.timeout(30_000),
        });
        return htmlReply(200, diffPage({ bundle, from, to, diff, ctx: p }));
      }),
    ),
    get(
      '/ui/rollouts/:bundle/:version/:environment',
      view(async (ctx, p) => {
        const { bundle, version, environment } = ctx.params as { bundle: string; version: string; environment: string };
        let view = await drover.rollout({ ws: ws(), bundle, version, environment });
        let gatherError: string | null = null;
        // A rollout that failed or is in flight: read its clusters' Events now (bounded), so the page has the cause, not only what was gathered before.
        if (view.outcome !== 'healthy') {
          try {
            const env = ws().config.environments.find((e) => e.name === environment)!;
            const clusters = env.clusters.filter(
              (c) => ws().config.clusters.find((x) => x.name === c)?.mode !== 'agent',
            );
            if (clusters.length) {
              const signal = AbortSignal.timeout(5_000);
              await Promise.all(
                clusters.map((cluster) => drover.events({ ws: ws(), bundle, cluster, gather: true, signal })),
              );
              view = await drover.rollout({ ws: ws(), bundle, version, environment });
            }
          } catch (err) {
            gatherError = toDroverError(err).message;
          }
        }
        return htmlReply(200, rolloutPage({ view, gatherError, ctx: p }));
      }),
    ),
    get(
      '/ui/drift',
      view(async (ctx, p) => {
        const bundle = ctx.query.get('bundle') || undefined;
        const cluster = ctx.query.get('cluster') || undefined;
        const findings = await drover.driftFindings({
          ws: ws(),
          ...(bundle ? { bundle } : {}),
          ...(cluster ? { cluster } : {}),
          open: true,
          limit: 500,
        });
        return htmlReply(
          200,
          driftPage({ findings, filter: { ...(bundle ? { bundle } : {}), ...(cluster ? { cluster } : {}) }, ctx: p }),
        );
      }),
    ),
    get(
      '/ui/pipeline',
      view(async (ctx, p) => {
        const environments = await drover.environments({ ws: ws() });
        const all = await drover.bundles({ ws: ws() });
        const quarantine = await drover.quarantine({ ws: ws() });
        const q = new Set(quarantine.map((x) => `${x.bundle}\0${x.version}\0${x.environment}`));
        const pageNo = Math.max(
          1,
          Math.min(Math.ceil(all.length / PIPELINE_PAGE) || 1, Number(ctx.query.get('page') ?? 1) || 1),
        );
        return htmlReply(
          200,
          pipelinePage({
            environments,
            latest: new Map(all.map((b) => [b.name, b.latest])),
            quarantined: (b, v, e) => q.has(`${b}\0${v}\0${e}`),
            pageNo,
            ctx: p,
          }),
        );
      }),
    ),
    get(
      '/ui/confirm/:action',
      view(async (ctx, p) => {
        const action = ctx.params.action as ActionKind;
        if (!ACTIONS.includes(action)) throw new NotFoundError(`no action ${ctx.params.action}`);
        const model = await buildConfirm({ h, action, query: ctx.query });
        return htmlReply(200, confirmPage({ model, ctx: p }));
      }),
    ),
    post('/ui/actions/:action', async (ctx) => {
      const action = ctx.params.action as ActionKind;
      const gate = await actor(ctx);
      if (!gate.ok) return gate.reply;
      const p = { csrf: gate.session.csrf };
      if (!ACTIONS.includes(action))
        return htmlReply(404, messagePage({ title: 'Not found', message: `no action ${ctx.params.action}`, ctx: p }));
      try {
        const { promise, next } = await runAction(action, gate.form);
        // Wait a moment: an action refused at once (a version not found, a lock) is shown here; a rollout under way is watched live on its page.
        const early = await Promise.race([
          promise.then(
            (result: unknown) => ({ done: true as const, result }),
            (err: unknown) => ({ done: true as const, err }),
          ),
          new Promise<{ done: false }>((r) => setTimeout(() => r({ done: false }), ACTION_WAIT_MS).unref()),
        ]);
        if (early.done && 'err' in early) throw early.err;
        // Ended already, and not healthy (refused, a stale plan, rolled back): said here, with its status.
        const ended = early.done && 'result' in early ? early.result : undefined;
        if (isRolloutResult(ended) && ended.outcome !== 'healthy') {
          const text = outcomeText(ended);
          return htmlReply(
            outcomeError(ended)!.httpStatus,
            messagePage({
              title: `${action}: ${text.title.toLowerCase()}`,
              message: text.message,
              ctx: p,
              next: { href: next, text: 'See the rollout' },
            }),
          );
        }
        if (!early.done)
          promise.catch((err: unknown) =>
            h.ctx.log.warn(`dashboard ${action} failed: ${toDroverError(err).message}`, {
              action,
              error: toDroverError(err),
            }),
          );
        return redirect(next);
      } catch (err) {
        const e = toDroverError(err);
        return htmlReply(
          e.httpStatus,
          messagePage({
            title: `${action} refused`,
            message: e.message,
            ctx: p,
            next: { href: '/', text: 'Back to the overview' },
          }),
        );
      }
    }),
    get('/ui/login', (ctx) => htmlReply(200, loginPage({ next: safeNext(ctx.query.get('next')) }))),
    post('/ui/login', async (ctx) => {
      const form = await readForm(ctx.req);
      const next = safeNext(form?.get('next'));
      const v = checkBearer({
        authorization: form?.get('token') ? `Bearer ${form.get('token')}` : undefined,
        token: h.apiToken,
      });
      if (v !== 'ok') {
        h.ctx.log.warn('dashboard login refused', { reason: v });
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
      const s = sessions.create();
      return redirect(next, { 'set-cookie': sessions.cookie(s.id, { secure: secure(ctx) }) });
    }),
    post('/ui/logout', async (ctx) => {
      const gate = await actor(ctx);
      if (!gate.ok && gate.reply.status !== 503) return gate.reply;
      const s = sessions.fromCookie(ctx.headers.cookie);
      if (s) sessions.end(s.id);
      return redirect('/ui/login', { 'set-cookie': sessions.clearCookie() });
    }),
    get('/ui/events', (ctx) => {
      if (!reader(ctx)) return { status: 401, text: 'log in first\n', headers: SECURITY_HEADERS };
      return liveEvents({ h, query: ctx.query, req: ctx.req });
    }),
    get('/ui/assets/:file', (ctx) => assetReply(ctx.params.file!)),
  ];
}

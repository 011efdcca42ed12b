/**
 * The dashboard's actions (promote, rollback, deploy, heal): the confirm
 * page that shows what one will do (`GET /ui/confirm/:action`), and the post
 * that does it (`POST /ui/actions/:action`) through the daemon's actions,
 * under the bundle's lock, as the API's do, once `access.actor` let it in.
 * An action refused or ended badly at once is said on a page with its
 * status; one still running after a moment is watched live on its rollout
 * page.
 *
 * @example
 *   app.route('/', actionRoutes({ h, access })); // GET /ui/confirm/:action, POST /ui/actions/:action
 */
import { type Context, Hono } from 'hono';
import * as drover from '../../lib/index.ts';
import {
  type DaemonHandle,
  NotFoundError,
  outcomeError,
  type RolloutResult,
  toDroverError,
  UsageError,
} from '../../lib/index.ts';
import type { AppEnv } from '../app-env.ts';
import type { DashboardAccess } from './access.ts';
import { buildConfirm } from './confirm-model.ts';
import { htmlReply, redirect } from './reply.ts';
import { confirmPage, type ActionKind } from './views/confirm.ts';
import { links } from './views/format.ts';
import { messagePage } from './views/layout.ts';
import { outcomeText } from './views/outcome.ts';

/** Whether what an action resolved to is a rollout's result (a heal's report is not). */
const isRolloutResult = (x: unknown): x is RolloutResult =>
  typeof x === 'object' && x !== null && 'outcome' in x && 'failures' in x;

/** How long an action may run before the browser is sent on to watch it live. */
const ACTION_WAIT_MS = 1500;

const ACTIONS: ActionKind[] = ['promote', 'rollback', 'deploy', 'heal'];

export function actionRoutes({ h, access }: { h: DaemonHandle; access: DashboardAccess }): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  app.get(
    '/ui/confirm/:action',
    access.view(async (c, p) => {
      const action = c.req.param('action') as ActionKind;
      if (!ACTIONS.includes(action)) throw new NotFoundError(`no action ${action}`);
      const model = await buildConfirm({ h, action, query: new URL(c.req.url).searchParams });
      return htmlReply(c, 200, confirmPage({ model, ctx: p }));
    }),
  );
  app.post('/ui/actions/:action', (c) => postAction({ h, access, c }));
  return app;
}

/** An action posted from a confirm page; what it throws is answered by the app's error handler as "<action> refused". */
async function postAction({
  h,
  access,
  c,
}: {
  h: DaemonHandle;
  access: DashboardAccess;
  c: Context<AppEnv>;
}): Promise<Response> {
  const action = c.req.param('action') as ActionKind;
  const gate = await access.actor(c);
  if (!gate.ok) return gate.reply;
  const p = { csrf: gate.session.csrf };
  if (!ACTIONS.includes(action))
    return htmlReply(c, 404, messagePage({ title: 'Not found', message: `no action ${action}`, ctx: p }));
  c.set('errorTitle', `${action} refused`);
  const { promise, next } = await startAction({ h, kind: action, form: gate.form });
  // Wait a moment: an action refused at once (a version not found, a lock) is shown here; a rollout under way is watched live on its page.
  const early = await endedEarly(promise);
  if (early.done && 'err' in early) throw early.err;
  // Ended already, and not healthy (refused, a stale plan, rolled back): said here, with its status.
  const ended = early.done && 'result' in early ? early.result : undefined;
  if (isRolloutResult(ended) && ended.outcome !== 'healthy') {
    const text = outcomeText(ended);
    return htmlReply(
      c,
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
  return redirect(c, next);
}

/** How an action stood after ACTION_WAIT_MS: ended with its result or error, or still running. */
function endedEarly(
  promise: Promise<unknown>,
): Promise<{ done: true; result: unknown } | { done: true; err: unknown } | { done: false }> {
  return Promise.race([
    promise.then(
      (result: unknown) => ({ done: true as const, result }),
      (err: unknown) => ({ done: true as const, err }),
    ),
    new Promise<{ done: false }>((r) => setTimeout(() => r({ done: false }), ACTION_WAIT_MS).unref()),
  ]);
}

/** Starts the action a form asks for through the daemon's actions; `next` is the page to watch it on. */
async function startAction({
  h,
  kind,
  form,
}: {
  h: DaemonHandle;
  kind: ActionKind;
  form: URLSearchParams;
}): Promise<{ promise: Promise<unknown>; next: string }> {
  const ws = () => h.ctx.ws;
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
}

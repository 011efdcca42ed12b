/**
 * Live updates over Server-Sent Events, fed by the daemon's change feed
 * (lib/loop/changes.ts). Changes are gathered for a short moment and each
 * changed bundle is sent once: to the overview, as its row re-rendered from
 * the state (`event: row`, the client morphs that one `<tr>`), never the
 * whole table; to any other page that shows the bundle, as a note
 * (`event: change`, the client fetches its page again and morphs `<main>`).
 * A bundle that now matches an overview's filter but was not on its page
 * when it connected is said as `event: stale` (the page offers a reload).
 * A comment every 20 s keeps proxies from closing a quiet stream.
 *
 * @example
 *   new EventSource('/ui/events?view=overview&q=web&offset=0&limit=50')
 *   new EventSource('/ui/events?bundles=web')   // a bundle or rollout page; `*` for every bundle
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as drover from '../../lib/index.ts';
import type { DaemonHandle } from '../../lib/index.ts';
import type { Reply } from '../router.ts';
import { overviewRow } from './views/overview.ts';

const COALESCE_MS = 250;
const HEARTBEAT_MS = 20_000;
/** How often a stream checks that whoever opened it may still look (a session ended or expired closes it). */
const ALLOWED_CHECK_MS = 2_000;

/** One SSE message: every line of `data` prefixed, so a multi-line row stays one event. */
export function sseMessage(event: string, data: string): string {
  return `event: ${event}\n${data
    .split('\n')
    .map((l) => `data: ${l}`)
    .join('\n')}\n\n`;
}

/**
 * A stream's upkeep: a comment every 20 s keeps proxies from closing it, and
 * it ends when whoever opened it may no longer look. `onClose` runs once,
 * whichever way the stream closes.
 */
function guardStream({
  res,
  stillAllowed,
  onClose,
}: {
  res: ServerResponse;
  stillAllowed: () => boolean;
  onClose: () => void;
}): () => void {
  const beat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  beat.unref();
  const check = setInterval(() => {
    if (!stillAllowed()) res.end();
  }, ALLOWED_CHECK_MS);
  check.unref();
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(beat);
    clearInterval(check);
    onClose();
  };
  res.on('close', close);
  return close;
}

export function liveEvents({
  h,
  query,
  req,
  stillAllowed = () => true,
  onClose = () => {},
}: {
  h: DaemonHandle;
  query: URLSearchParams;
  req: IncomingMessage;
  /** Whether whoever opened the stream may still look; checked every few seconds, and the stream ends when not. */
  stillAllowed?: () => boolean;
  onClose?: () => void;
}): Reply {
  const feed = h.ctx.changes;
  const overview = query.get('view') === 'overview';
  const filter = { q: query.get('q') ?? '', ...(query.get('namespace') ? { namespace: query.get('namespace')! } : {}) };
  const wanted = new Set((query.get('bundles') ?? '').split(',').filter(Boolean));
  return {
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'x-accel-buffering': 'no' },
    stream: (res: ServerResponse) => {
      res.write('retry: 3000\n: connected\n\n');
      if (!feed) {
        onClose();
        return void res.end();
      }
      // The page set of an overview is fixed when it connects: what it shows.
      const pageOf = () =>
        drover
          .overview({
            ws: h.ctx.ws,
            ...filter,
            offset: Number(query.get('offset') ?? 0) || 0,
            limit: Number(query.get('limit') ?? 50) || 50,
          })
          .then((v) => new Set(v.rows.map((r) => r.bundle)));
      const onPage = overview ? pageOf() : undefined;
      // Awaited by every flush (which logs a failure); marked handled here so a failed read never goes unhandled.
      onPage?.catch(() => {});
      const pending = new Set<string>();
      let timer: NodeJS.Timeout | undefined;
      const flush = async () => {
        timer = undefined;
        const bundles = [...pending];
        pending.clear();
        if (overview) {
          const page = await onPage!;
          const view = await drover.overview({ ws: h.ctx.ws, ...filter, only: bundles, limit: bundles.length });
          for (const row of view.rows)
            res.write(
              page.has(row.bundle) ? sseMessage('row', overviewRow(row).value) : sseMessage('stale', row.bundle),
            );
          return;
        }
        for (const b of bundles) if (wanted.has('*') || wanted.has(b)) res.write(sseMessage('change', b));
      };
      const off = feed.subscribe(({ bundle }) => {
        pending.add(bundle);
        timer ??= setTimeout(
          () =>
            void flush().catch((err: unknown) => h.ctx.log.debug(`live update not sent: ${(err as Error).message}`)),
          COALESCE_MS,
        );
      });
      const close = guardStream({
        res,
        stillAllowed,
        onClose: () => {
          off();
          if (timer) clearTimeout(timer);
          onClose();
        },
      });
      req.on('close', close);
      res.on('error', close);
    },
  };
}

/**
 * Live updates over Server-Sent Events, fed by the daemon's change feed
 * (lib/loop/changes.ts). Changes are gathered for a short moment and each
 * changed bundle is sent once: to the overview, as its row re-rendered from
 * the state (`event: row`, the client morphs that one `<tr>`), never the
 * whole table; to any other page that shows the bundle, as a note
 * (`event: change`, the client fetches its page again and morphs `<main>`).
 * A bundle that now matches an overview's filter but was not on its page
 * when it connected is said as `event: stale` (the page offers a reload).
 * A comment every 20 s keeps proxies from closing a quiet stream. Framing
 * and the stream's life are Hono's (streamSSE: one event per message, each
 * line of its data prefixed; closed when the client goes).
 *
 * @example
 *   new EventSource('/ui/events?view=overview&q=web&offset=0&limit=50')
 *   new EventSource('/ui/events?bundles=web')   // a bundle or rollout page; `*` for every bundle
 */
import type { Context } from 'hono';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';
import * as drover from '../../lib/index.ts';
import type { DaemonHandle } from '../../lib/index.ts';
import { overviewRow } from './views/overview.ts';

const COALESCE_MS = 250;
const HEARTBEAT_MS = 20_000;
/** How often a stream checks that whoever opened it may still look (a session ended or expired closes it). */
const ALLOWED_CHECK_MS = 2_000;

/** What a page listens for, from its query: an overview's filter and page, or the bundles a page shows. */
interface Wanted {
  overview: boolean;
  filter: { q: string; namespace?: string };
  offset: number;
  limit: number;
  bundles: Set<string>;
}

function wantedOf(query: URLSearchParams): Wanted {
  return {
    overview: query.get('view') === 'overview',
    filter: { q: query.get('q') ?? '', ...(query.get('namespace') ? { namespace: query.get('namespace')! } : {}) },
    offset: Number(query.get('offset') ?? 0) || 0,
    limit: Number(query.get('limit') ?? 50) || 50,
    bundles: new Set((query.get('bundles') ?? '').split(',').filter(Boolean)),
  };
}

/**
 * Resolves when the stream should end: the client went away, or whoever
 * opened it may no longer look. Meanwhile a comment every 20 s keeps
 * proxies from closing it.
 */
function streamEnd(stream: SSEStreamingApi, stillAllowed: () => boolean): Promise<void> {
  return new Promise<void>((resolve) => {
    const beat = setInterval(() => void stream.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const check = setInterval(() => {
      if (!stillAllowed()) done();
    }, ALLOWED_CHECK_MS);
    beat.unref();
    check.unref();
    function done() {
      clearInterval(beat);
      clearInterval(check);
      resolve();
    }
    stream.onAbort(done);
  });
}

/** Sends what changed in `bundles` to one page: overview rows (or `stale`), or a `change` note per wanted bundle. */
async function sendChanges({
  h,
  stream,
  wanted,
  page,
  bundles,
}: {
  h: DaemonHandle;
  stream: SSEStreamingApi;
  wanted: Wanted;
  page: Promise<Set<string>> | undefined;
  bundles: string[];
}): Promise<void> {
  if (page) {
    const shown = await page;
    const view = await drover.overview({ ws: h.ctx.ws, ...wanted.filter, only: bundles, limit: bundles.length });
    for (const row of view.rows)
      await (shown.has(row.bundle)
        ? stream.writeSSE({ event: 'row', data: overviewRow(row).value })
        : stream.writeSSE({ event: 'stale', data: row.bundle }));
    return;
  }
  for (const b of bundles)
    if (wanted.bundles.has('*') || wanted.bundles.has(b)) await stream.writeSSE({ event: 'change', data: b });
}

/**
 * The live stream (Hono's streamSSE): `onClose` runs once, however it
 * ends; nothing it throws reaches the reader (a failed update is logged).
 */
export function liveEvents({
  h,
  c,
  stillAllowed = () => true,
  onClose = () => {},
}: {
  h: DaemonHandle;
  c: Context;
  /** Whether whoever opened the stream may still look; checked every few seconds, and the stream ends when not. */
  stillAllowed?: () => boolean;
  onClose?: () => void;
}): Response {
  const feed = h.ctx.changes;
  const wanted = wantedOf(new URL(c.req.url).searchParams);
  const res = streamSSE(c, async (stream) => {
    try {
      await stream.write('retry: 3000\n: connected\n\n');
      if (!feed) return;
      // The page set of an overview is fixed when it connects: what it shows.
      const page = wanted.overview
        ? drover
            .overview({ ws: h.ctx.ws, ...wanted.filter, offset: wanted.offset, limit: wanted.limit })
            .then((v) => new Set(v.rows.map((r) => r.bundle)))
        : undefined;
      // Awaited by every flush (which logs a failure); marked handled here so a failed read never goes unhandled.
      page?.catch(() => {});
      const pending = new Set<string>();
      let timer: NodeJS.Timeout | undefined;
      const flush = () => {
        timer = undefined;
        const bundles = [...pending];
        pending.clear();
        sendChanges({ h, stream, wanted, page, bundles }).catch((err: unknown) =>
          h.ctx.log.debug(`live update not sent: ${(err as Error).message}`),
        );
      };
      const off = feed.subscribe(({ bundle }) => {
        pending.add(bundle);
        timer ??= setTimeout(flush, COALESCE_MS);
      });
      await streamEnd(stream, stillAllowed);
      off();
      if (timer) clearTimeout(timer);
    } finally {
      onClose();
    }
  });
  res.headers.set('content-type', 'text/event-stream; charset=utf-8');
  res.headers.set('cache-control', 'no-store');
  res.headers.set('x-accel-buffering', 'no');
  return res;
}

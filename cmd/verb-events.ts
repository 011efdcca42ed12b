/**
 * `drover events B [--version V] [--cluster C]`: gathers the bundle's
 * Kubernetes Events from the clusters, then shows the stored timeline in time
 * order across clusters. JSON output is the whole result (events, what was
 * gathered, unreachable clusters).
 */
import * as drover from '../lib/index.ts';
import { type KubeEventRow, UsageError } from '../lib/index.ts';
import { table } from './render.ts';
import { str, type Verb, withWorkspace } from './verb.ts';

/** Whole seconds are enough to read a timeline; JSON keeps the precise time. */
const shortTime = (iso: string) => iso.replace(/\.\d+Z$/, 'Z');
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

export function eventsTable(events: readonly KubeEventRow[]): string {
  return table(
    ['TIME', 'CLUSTER', 'VERSION', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'],
    events.map((e) => [
      shortTime(e.firstAt),
      e.cluster,
      e.version ?? '-',
      e.type,
      e.reason,
      e.object,
      `${oneLine(e.message)}${e.count > 1 ? ` (x${e.count}, last ${shortTime(e.lastAt)})` : ''}`,
    ]),
  );
}

export const eventsVerb: Verb = {
  name: 'events',
  usage: 'events B [--version V] [--cluster C]',
  summary: 'Kubernetes Events of members and their children, in time order across clusters',
  options: { version: { type: 'string' }, cluster: { type: 'string' } },
  run: (ctx) =>
    withWorkspace(ctx, async (ws) => {
      const [bundle] = ctx.positionals;
      if (!bundle || ctx.positionals.length > 1) throw new UsageError('events takes one bundle name');
      const version = str(ctx.values.version);
      const cluster = str(ctx.values.cluster);
      const r = await drover.events({
        ws,
        bundle,
        ...(version ? { version } : {}),
        ...(cluster ? { cluster } : {}),
        onEvent: ctx.onEvent,
        signal: ctx.signal,
      });
      const lines = [
        r.events.length
          ? eventsTable(r.events)
          : `no events for ${bundle}${version ? `@${version}` : ''}${cluster ? ` on ${cluster}` : ''}`,
      ];
      for (const u of r.unreachable)
        lines.push(`warning: ${u.cluster}: not gathered, showing what was stored: ${u.error}`);
      return { data: r, human: lines.join('\n') };
    }),
};

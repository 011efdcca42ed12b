/**
 * Rendering for people: aligned tables, and progress lines. JSON output is
 * the result object itself; these helpers are only for the human form.
 */
import type { DroverEvent, StatusRow } from '../lib/index.ts';

/** Left-aligned columns, a header row, two spaces between columns. */
export function table(header: string[], rows: (string | number | undefined)[][]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (c === undefined ? '-' : String(c))))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export interface ProgressSink {
  onEvent: (e: DroverEvent) => void;
  done: () => void;
}

/**
 * On a terminal: one rewritten status line (warnings and errors kept as lines).
 * Elsewhere: one JSON object per event on stderr, for logs and machines.
 */
export function progressSink(stream: NodeJS.WriteStream, { quiet = false } = {}): ProgressSink {
  if (quiet) return { onEvent: () => {}, done: () => {} };
  if (!stream.isTTY) {
    return {
      onEvent: (e) => stream.write(`${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`),
      done: () => {},
    };
  }
  let live = false;
  const clear = () => {
    if (live) stream.write('\r\x1b[2K');
    live = false;
  };
  return {
    onEvent: (e) => {
      const count = e.total ? ` (${e.done ?? 0}/${e.total})` : '';
      const text = `${e.phase}: ${e.subject ? `${e.subject}: ` : ''}${e.message}${count}`;
      clear();
      if (e.level === 'warn' || e.level === 'error') stream.write(`${text}\n`);
      else {
        stream.write(text.slice(0, (stream.columns || 100) - 1));
        live = true;
      }
    },
    done: clear,
  };
}

/** `drover status` as a table: one row per bundle x cluster, with what its environment's channel tag names and whether the cluster runs it. */
const ORIGIN_ORDER = ['created', 'adopted', 'shared', 'created-kept', 'unknown'];

/** `3 created, 1 adopted`: how the bundle holds its objects on the cluster (its inventory's ledger). */
export function originSummary(members: StatusRow['members']): string {
  if (!members) return '-';
  const counts = new Map<string, number>();
  for (const m of members) counts.set(m.origin, (counts.get(m.origin) ?? 0) + 1);
  return (
    [...counts]
      .sort(([a], [b]) => ORIGIN_ORDER.indexOf(a) - ORIGIN_ORDER.indexOf(b))
      .map(([o, n]) => `${n} ${o === 'unknown' ? 'origin unknown' : o}`)
      .join(', ') || '0'
  );
}

export function statusTable(rows: StatusRow[]): string {
  // SIGNED BY only where an environment requires signatures: other tables stay as they were.
  const signed = rows.some((r) => r.signedBy !== undefined);
  const signer = (r: StatusRow) => (r.signedBy ? r.signedBy.slice(0, 19) : r.signedBy === null ? 'NOT VERIFIED' : '-');
  return table(
    [
      'BUNDLE',
      'CLUSTER',
      'RUNNING',
      ...(signed ? ['SIGNED BY'] : []),
      'TAG',
      'SYNC',
      'HEALTH',
      'DRIFT',
      'OBJECTS',
      'LAST RELEASE',
      'STATE',
      'FAILED OBJECT',
      'REASON',
    ],
    rows.map((r) => [
      r.bundle,
      r.cluster,
      r.running ?? '-',
      ...(signed ? [signer(r)] : []),
      r.tag ? `${r.tag.name}=${r.tag.version ?? r.tag.digest?.slice(0, 19) ?? '?'}` : '-',
      r.sync === 'in-sync' ? 'yes' : r.sync === 'out-of-sync' ? 'NO' : '-',
      r.health ?? '-',
      r.drift,
      originSummary(r.members),
      r.last ? `${r.last.version}${r.pending ? ` (pending ${r.pending})` : ''}` : '-',
      r.last?.state ?? '-',
      r.last?.failedObject ?? '',
      [
        r.sync === 'out-of-sync' ? r.syncReason : null,
        r.signatureProblem ? `signature: ${r.signatureProblem}` : null,
        r.last?.reason ?? (r.health !== 'Current' ? r.healthMessage : null),
      ]
        .filter((x) => x)
        .join('; '),
    ]),
  );
}

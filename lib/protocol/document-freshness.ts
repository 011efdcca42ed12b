/**
 * How fresh an agent-protocol document is (protocol 2), as pure rules:
 * - a writer numbers each document it writes with a `sequence` that only
 *   grows, across restarts too: `max(now in ms, last written + 1)`;
 * - a reader refuses a document whose sequence is lower than the last it
 *   accepted from the same writer for the same subject (`replayed`: an old
 *   "succeeded" or an old retire list put back); an equal one is the same
 *   document read again;
 * - a reader refuses a status dated more than the clock skew (60 s by
 *   default) after its own clock (`future`: a status that would stay
 *   "fresh" for a year);
 * - a status older than three poll intervals of its agent is `Stale`: the
 *   agent may be gone, and what it last said is not believed as current.
 *
 * @example
 *   const sequence = nextSequence({ last, nowMs: Date.now() });
 *   const refusal = freshnessRefusal({ sequence, lastAccepted, time, nowMs: Date.now() }); // undefined: fresh
 */
import type { DocumentRefusal } from './document-signature.ts';

/** How far in the future a status's `time` may be before it is refused (clocks disagree a little). */
export const DEFAULT_SKEW_MS = 60_000;
/** A status older than this many poll intervals of its agent is Stale. */
export const STALE_POLLS = 3;

/** The sequence of the next document a writer writes: above the last it wrote, and the clock's when that is higher. */
export function nextSequence({ last, nowMs }: { last: number | undefined; nowMs: number }): number {
  return Math.max(Math.floor(nowMs), (last ?? 0) + 1);
}

/** Why a document is not fresh enough to accept, or undefined when it is. */
export function freshnessRefusal({
  sequence,
  lastAccepted,
  time,
  nowMs,
  skewMs = DEFAULT_SKEW_MS,
}: {
  sequence: number;
  lastAccepted: number | undefined;
  /** The document's own date (a status's `time`); absent: not judged. */
  time?: string | undefined;
  nowMs: number;
  skewMs?: number;
}): { reason: Extract<DocumentRefusal, 'replayed' | 'future'>; detail: string } | undefined {
  if (lastAccepted !== undefined && sequence < lastAccepted)
    return {
      reason: 'replayed',
      detail: `its sequence ${sequence} is lower than the last accepted (${lastAccepted}): an older document put back`,
    };
  if (time !== undefined) {
    const at = Date.parse(time);
    if (at > nowMs + skewMs)
      return {
        reason: 'future',
        detail: `it is dated ${time}, more than ${Math.round(skewMs / 1000)} s after this clock (${new Date(nowMs).toISOString()})`,
      };
  }
  return undefined;
}

/** Whether a status written at `time` by an agent polling every `pollSeconds` is Stale now. */
export function isStale({ time, pollSeconds, nowMs }: { time: string; pollSeconds: number; nowMs: number }): boolean {
  return nowMs - Date.parse(time) > STALE_POLLS * pollSeconds * 1000;
}

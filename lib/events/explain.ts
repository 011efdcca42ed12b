/**
 * The Warning Events that explain why one member failed: its own and those of
 * its live children (the crash-looping Pods of a Deployment's new
 * ReplicaSet), seen since the release began, briefly (fatal-events.ts).
 * Events reach the apiserver a moment after the state they explain (KWOK and
 * the kubelet send them through an asynchronous recorder), so when none is
 * there yet it looks once more after `settleMs`. Reading Events never turns a
 * failure into a different one: an error here is an empty explanation.
 *
 * @example
 *   await explainFailure(cluster, { member: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' }, sinceMs })
 *   // => [{ reason: 'BackOff', message: 'Back-off restarting failed container', objects: ['Pod/shop/web-d7b5b5c65-rqv8b'], count: 1, ... }]
 */
import { setTimeout as delay } from 'node:timers/promises';

import type { Cluster } from '../cluster/cluster.ts';
import type { ObjectId } from '../object/ref.ts';
import { type FatalEvent, fatalEvents } from './fatal-events.ts';

import { readTimeline } from './read-timeline.ts';

export interface ExplainFailureOptions {
  member: ObjectId;
  /** Warnings last seen before this (ms since the epoch) are from earlier releases. */
  sinceMs: number;
  settleMs?: number;
  limit?: number;
  signal?: AbortSignal;
}

export async function explainFailure(
  cluster: Cluster,
  { member, sinceMs, settleMs = 1000, limit = 3, signal }: ExplainFailureOptions,
): Promise<FatalEvent[]> {
  const look = async () =>
    fatalEvents(await readTimeline(cluster, { members: [member], inferGone: false, signal }), {
      sinceMs,
      limit,
    });
  try {
    const first = await look();
    if (first.length > 0 || settleMs <= 0) return first;
    await delay(settleMs, undefined, { signal });
    return await look();
  } catch {
    if (signal?.aborted) throw signal.reason;
    return [];
  }
}

/**
 * Waits for a bundle's members to be healthy on one cluster: polls the live
 * objects (a LIST per kind and namespace, not a GET per member), computes each one's health with the pure rules in lib/health, and
 * for workloads looks at the Pods of the new revision so a fatal state
 * (CrashLoopBackOff, ImagePullBackOff, ...) fails fast instead of waiting out
 * the deadline. A failure's message and findings carry the Warning Events of
 * the failed member and its children (e.g. `BackOff` on the Pod) that explain
 * it, briefly (lib/events/explain.ts).
 */
import type { Cluster } from '../cluster/cluster.ts';
import { listObjects } from '../cluster/get.ts';
import { explainFailure } from '../events/explain.ts';

import { describeFatalEvents, type FatalEvent } from '../events/fatal-events.ts';

import { computeHealth } from '../health/compute.ts';

import { workloadFailure } from '../health/fatal.ts';

import { formatRef, refOf, type KubeObject, idOf, keyOf } from '../object/ref.ts';

import type { OnEvent } from '../progress.ts';
import { pollDelayMs } from './poll-delay.ts';

import { mapLimit } from '../foundation/map-limit.ts';

import { readLive } from './read-live.ts';

/** A brief Warning Event: reason, message, the objects that reported it and how often. */
export type VerifyEvent = Pick<FatalEvent, 'reason' | 'message' | 'objects' | 'count'>;

export interface VerifyFinding {
  ref: string;
  reason: string;
  message: string;
  /** Warning Events about this finding's object. */
  events?: VerifyEvent[];
}

export type VerifyOutcome =
  | { ok: true }
  | { ok: false; ref: string; reason: string; message: string; findings: VerifyFinding[]; events: VerifyEvent[] };

/** Warnings last seen this long before verification began are from earlier releases, not this one (covers the apply before it). */
const EVENTS_LOOKBACK_MS = 30_000;

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

type Health = { live: KubeObject | null; findings: { ref: string; reason: string; message: string }[] } & ReturnType<
  typeof computeHealth
>;

/** Whether `labels` satisfy a workload's `matchLabels` (the selector Drover reads children by). */
function selects(matchLabels: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(matchLabels).every(([k, v]) => labels?.[k] === v);
}

/**
 * One poll: every member read with `readLive` (a LIST per kind and namespace
 * where several share one), and for workloads the ReplicaSets and Pods of
 * their namespaces listed once, then matched to each workload's selector.
 */
async function pollHealth(cluster: Cluster, members: KubeObject[], signal?: AbortSignal): Promise<Health[]> {
  const live = await readLive(cluster, members.map(idOf), 16, signal);
  const workloadNamespaces = [
    ...new Set(
      members.filter((m) => WORKLOADS.has(m.kind) && live.get(keyOf(m))).map((m) => m.metadata.namespace ?? ''),
    ),
  ];
  const children = new Map<string, { rs: KubeObject[]; pods: KubeObject[] }>();
  await mapLimit(workloadNamespaces, 8, async (ns) => {
    const [rs, pods] = await Promise.all([
      members.some((m) => m.kind === 'Deployment' && (m.metadata.namespace ?? '') === ns)
        ? listObjects(cluster, { apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace: ns, signal })
        : Promise.resolve({ items: [] }),
      listObjects(cluster, { apiVersion: 'v1', kind: 'Pod', namespace: ns, signal }),
    ]);
    children.set(ns, { rs: rs.items, pods: pods.items });
  });
  return members.map((member) => {
    const obj = live.get(keyOf(member)) ?? null;
    if (!obj || !WORKLOADS.has(member.kind)) return { live: obj, ...computeHealth(obj ?? undefined), findings: [] };
    const matchLabels =
      (obj.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector?.matchLabels ?? {};
    const ns = children.get(obj.metadata.namespace ?? '') ?? { rs: [], pods: [] };
    const r = workloadFailure(
      obj,
      member.kind === 'Deployment' ? ns.rs.filter((x) => selects(matchLabels, x.metadata.labels)) : [],
      ns.pods.filter((x) => selects(matchLabels, x.metadata.labels)),
    );
    return {
      live: obj,
      ...r.health,
      findings: r.findings
        .filter((f) => f.fatal !== false)
        .map((f) => ({ ref: f.ref, reason: f.reason, message: f.message })),
    };
  });
}

export async function verifyHealth(
  cluster: Cluster,
  {
    members,
    deadline,
    /** The longest wait between polls; the first ones are shorter (poll-delay.ts). */
    intervalMs = 1000,
    eventsSinceMs = Date.now() - EVENTS_LOOKBACK_MS,
    signal,
    onEvent = () => {},
  }: {
    members: KubeObject[];
    deadline: number;
    intervalMs?: number;
    eventsSinceMs?: number;
    signal?: AbortSignal;
    onEvent?: OnEvent;
  },
): Promise<VerifyOutcome> {
  const explain = async (
    member: KubeObject,
    found: Omit<Extract<VerifyOutcome, { ok: false }>, 'events'>,
  ): Promise<VerifyOutcome> => {
    const fatal = await explainFailure(cluster, {
      member: idOf(member),
      sinceMs: eventsSinceMs,
      signal,
    });
    const events = fatal.map(({ reason, message, objects, count }) => ({ reason, message, objects, count }));
    if (events.length === 0) return { ...found, events };
    return {
      ...found,
      message: `${found.message}; events: ${describeFatalEvents(fatal)}`,
      findings: found.findings.map((f) => {
        const about = events.filter((e) => e.objects.includes(f.ref));
        return about.length > 0 ? { ...f, events: about } : f;
      }),
      events,
    };
  };
  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted();
    const health = await pollHealth(cluster, members, signal);
    const results = members.map((m, i) => ({ member: m, ref: formatRef(refOf(m)), ...health[i]! }));
    const failed = results.find((r) => r.status === 'Failed' || r.findings.length > 0);
    if (failed) {
      const first = failed.findings[0];
      return explain(failed.member, {
        ok: false,
        ref: failed.ref,
        reason: first?.reason ?? failed.reason ?? 'Failed',
        message: first ? `${failed.ref}: ${first.ref}: ${first.message}` : `${failed.ref}: ${failed.message}`,
        findings: failed.findings,
      });
    }
    const waiting = results.filter((r) => r.status !== 'Current');
    onEvent({
      phase: 'verify',
      subject: cluster.name,
      message: waiting.length ? `waiting for ${waiting[0]!.ref}: ${waiting[0]!.message}` : 'all members healthy',
      done: results.length - waiting.length,
      total: results.length,
    });
    if (waiting.length === 0) return { ok: true };
    if (Date.now() > deadline) {
      const w = waiting[0]!;
      return explain(w.member, {
        ok: false,
        ref: w.ref,
        reason: 'HealthDeadlineExceeded',
        message: `${w.ref} not healthy before the deadline: ${w.message}`,
        findings: [],
      });
    }
    await new Promise((r) =>
      setTimeout(r, Math.min(pollDelayMs(attempt, { maxMs: intervalMs }), Math.max(0, deadline - Date.now()))),
    );
  }
}

/**
 * Waits for a bundle's members to be healthy on one cluster: polls the live
 * objects, computes each one's health with the pure rules in lib/health, and
 * for workloads looks at the Pods of the new revision so a fatal state
 * (CrashLoopBackOff, ImagePullBackOff, ...) fails fast instead of waiting out
 * the deadline. A failure's message and findings carry the Warning Events of
 * the failed member and its children (e.g. `BackOff` on the Pod) that explain
 * it, briefly (lib/events/explain.ts).
 */
import type { Cluster } from '../cluster/cluster.ts';
import { getObject, listObjects } from '../cluster/get.ts';
import { explainFailure } from '../events/explain.ts';
import { describeFatalEvents, type FatalEvent } from '../events/fatal-events.ts';
import { computeHealth } from '../health/compute.ts';
import { workloadFailure } from '../health/fatal.ts';
import { formatRef, refOf, type KubeObject } from '../object/ref.ts';
import type { OnEvent } from '../progress.ts';
import { mapLimit } from './pool.ts';

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

async function healthOf(cluster: Cluster, member: KubeObject, signal?: AbortSignal) {
  const live = await getObject(cluster, { apiVersion: member.apiVersion, ...refOf(member) }, signal);
  if (!live || !WORKLOADS.has(member.kind)) return { live, ...computeHealth(live ?? undefined), findings: [] as { ref: string; reason: string; message: string }[] };
  const spec = live.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined;
  const selector = Object.entries(spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  const ns = live.metadata.namespace;
  const [rs, pods] = await Promise.all([
    member.kind === 'Deployment' ? listObjects(cluster, { apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace: ns, labelSelector: selector, signal }) : Promise.resolve({ items: [] }),
    listObjects(cluster, { apiVersion: 'v1', kind: 'Pod', namespace: ns, labelSelector: selector, signal }),
  ]);
  const r = workloadFailure(live, rs.items, pods.items);
  return { live, ...r.health, findings: r.findings.filter((f) => f.fatal !== false).map((f) => ({ ref: f.ref, reason: f.reason, message: f.message })) };
}

export async function verifyHealth(
  cluster: Cluster,
  {
    members,
    deadline,
    intervalMs = 1000,
    eventsSinceMs = Date.now() - EVENTS_LOOKBACK_MS,
    signal,
    onEvent = () => {},
  }: { members: KubeObject[]; deadline: number; intervalMs?: number; eventsSinceMs?: number; signal?: AbortSignal; onEvent?: OnEvent },
): Promise<VerifyOutcome> {
  const explain = async (member: KubeObject, found: Omit<Extract<VerifyOutcome, { ok: false }>, 'events'>): Promise<VerifyOutcome> => {
    const fatal = await explainFailure(cluster, { member: memberId(member), sinceMs: eventsSinceMs, ...(signal ? { signal } : {}) });
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
  for (;;) {
    signal?.throwIfAborted();
    const results = await mapLimit(members, 16, async (m) => ({ member: m, ref: formatRef(refOf(m)), ...(await healthOf(cluster, m, signal)) }));
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
    onEvent({ phase: 'verify', subject: cluster.name, message: waiting.length ? `waiting for ${waiting[0]!.ref}: ${waiting[0]!.message}` : 'all members healthy', done: results.length - waiting.length, total: results.length });
    if (waiting.length === 0) return { ok: true };
    if (Date.now() > deadline) {
      const w = waiting[0]!;
      return explain(w.member, { ok: false, ref: w.ref, reason: 'HealthDeadlineExceeded', message: `${w.ref} not healthy before the deadline: ${w.message}`, findings: [] });
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function memberId(o: KubeObject) {
  return { apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace ?? '', name: o.metadata.name };
}

/**
 * Drift on an agent's cluster, per policy (docs/agent-protocol.md): the same
 * drift monitor as the hub's (lib/monitor: watches, a full scan every
 * `drift.scanIntervalSeconds`, findings, heals through the work queue), with
 * each bundle's policy taken from the environment's index instead of
 * drover.yaml, which the agent never sees: `heal` re-applies what the
 * in-cluster inventory says runs, `report` only records and reports, `off`
 * (or a bundle not listed) is not judged. Findings and heals are kept in the
 * agent's state directory (a cache, like its journal) and summed up per
 * bundle for its status (`drift`); the monitor starts with the first index
 * read, so no inventory is judged before its policy is known.
 *
 * @example
 *   const drift = agentDrift({ ws, env, log, cluster: 'c3', signal });
 *   drift.follow(index);             // after each index read
 *   status.drift = drift.of('web');  // { policy, open, heals, lastHeal }
 *   for (const b of drift.changed()) republish(b);
 */
import { toDroverError } from '../errors/errors.ts';
import type { DriftMonitor } from '../monitor/drift-monitor.ts';
import { startDriftMonitor } from '../monitor/drift-monitor.ts';
import type { AgentDrift, EnvironmentIndex, SelfHealPolicy } from '../protocol/agent-protocol.ts';
import type { FindingChange } from '../monitor/record.ts';
import { type FindingRecord, type HealRecord, openFindings } from '../state/drift.ts';
import type { Workspace } from '../workspace/workspace.ts';
import { eventLogger, type Logger } from './log.ts';

export interface AgentDriftTracker {
  /** The index's policies from now on; starts the monitor on the first call. */
  follow(index: EnvironmentIndex): Promise<void>;
  /** What the status of `bundle` says of drift; undefined when its policy is `off` or it is not listed. */
  of(bundle: string): AgentDrift | undefined;
  /** Bundles whose drift summary changed since the last call (their status is to be written again). */
  changed(): string[];
  stop(): Promise<void>;
}

export function agentDrift({
  ws,
  log,
  cluster,
  scanIntervalMs,
  signal,
}: {
  ws: Workspace;
  log: Logger;
  cluster: string;
  scanIntervalMs?: number;
  signal: AbortSignal;
}): AgentDriftTracker {
  const policies = new Map<string, SelfHealPolicy>();
  const heals = new Map<string, { count: number; last: AgentDrift['lastHeal'] }>();
  const dirty = new Set<string>();
  let monitor: Promise<DriftMonitor | undefined> | undefined;

  const start = async (): Promise<DriftMonitor | undefined> => {
    try {
      return await startDriftMonitor({
        ws,
        signal,
        policyOf: (bundle) => policies.get(bundle),
        ...(scanIntervalMs ? { scanIntervalMs } : {}),
        onEvent: eventLogger(log, {}),
        onFinding: (f, change) => {
          logFinding({ log, finding: f, change, policy: policies.get(f.bundle) });
          dirty.add(f.bundle);
        },
        onHeal: (h) => {
          logHeal({ log, heal: h });
          const before = heals.get(h.bundle)?.count ?? 0;
          heals.set(h.bundle, {
            count: before + 1,
            last: { outcome: h.outcome, message: h.reason, time: h.finishedAt ?? new Date().toISOString() },
          });
          dirty.add(h.bundle);
        },
      });
    } catch (err) {
      // Releases go on without it; the next index read tries again.
      log.error(`drift monitor did not start: ${toDroverError(err).message}`, { error: toDroverError(err) });
      monitor = undefined;
      return undefined;
    }
  };

  return {
    async follow(index) {
      const before = new Map(policies);
      policies.clear();
      for (const b of index.bundles) policies.set(b, index.selfHeal[b] ?? 'report');
      for (const [b, p] of policies) if (before.get(b) !== p) dirty.add(b);
      await (monitor ??= start());
    },
    of(bundle) {
      const policy = policies.get(bundle);
      if (!policy || policy === 'off') return undefined;
      const h = heals.get(bundle);
      return {
        policy,
        open: openFindings(ws.db, { bundle, cluster }).length,
        heals: h?.count ?? 0,
        lastHeal: h?.last ?? null,
      };
    },
    changed() {
      const out = [...dirty];
      dirty.clear();
      return out;
    },
    async stop() {
      await (await monitor)?.stop();
    },
  };
}

/** A finding opened, changed or resolved, in the agent's log. */
function logFinding({
  log,
  finding: f,
  change,
  policy,
}: {
  log: Logger;
  finding: FindingRecord;
  change: FindingChange;
  policy: SelfHealPolicy | undefined;
}): void {
  const fields = {
    bundle: f.bundle,
    cluster: f.cluster,
    object: f.ref,
    drift: f.kind,
    change,
    paths: f.fields.map((x) => x.path),
    policy,
  };
  if (change === 'resolved')
    log.info(`drift resolved: ${f.ref} on ${f.cluster}`, { ...fields, resolution: f.resolution });
  else log.warn(`drift ${change}: ${f.ref} on ${f.cluster} (${f.kind})`, fields);
}

/** A heal, when it ends, in the agent's log. */
function logHeal({ log, heal: h }: { log: Logger; heal: HealRecord }): void {
  const fields = {
    bundle: h.bundle,
    cluster: h.cluster,
    version: h.version,
    outcome: h.outcome,
    objects: h.refs,
    ...(h.reason ? { reason: h.reason } : {}),
  };
  if (h.outcome === 'healed') log.info(`self-heal: ${h.bundle}@${h.version} re-applied on ${h.cluster}`, fields);
  else
    log.warn(
      `self-heal ${h.outcome}: ${h.bundle}@${h.version} on ${h.cluster}${h.reason ? `: ${h.reason}` : ''}`,
      fields,
    );
}

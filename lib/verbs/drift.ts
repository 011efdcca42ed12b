/**
 * Drift for a workspace: every bundle this workspace knows (cut or released
 * here, self-heal policy not `off`) on every configured cluster whose
 * inventory says it runs there. `checkDrift` is one pass (one LIST per
 * resource type per cluster), records findings, and heals when asked or when
 * the bundle's policy is `heal`; `startDriftMonitor` keeps watches open and
 * does the same continuously, with a full scan every
 * `drift.scanIntervalSeconds` (what `drover serve` runs). A heal re-applies the
 * version the cluster should run and is verified member by member afterwards;
 * findings it fixes are resolved `healed`.
 *
 * @example
 *   const report = await checkDrift({ ws, heal: false });
 *   const monitor = await startDriftMonitor({ ws, onFinding: (f, change) => ... });
 *   await monitor.stop();
 */
import type { Cluster } from '../cluster/cluster.ts';
import { getObject } from '../cluster/get.ts';
import { selfHealFor } from '../config/config.ts';
import { assessMember } from '../drift/assess.ts';
import { ClusterMonitor, type DesiredMember, type Observation } from '../drift/cluster-monitor.ts';
import { healBundle } from '../drift/heal.ts';
import { type FindingChange, recordObservation } from '../drift/record.ts';
import { toDroverError, UnavailableError } from '../errors/errors.ts';
import type { KubeObject } from '../object/ref.ts';
import type { OnEvent } from '../progress.ts';
import { withOwnership } from '../release/ownership.ts';
import type { VersionContent } from '../release/release.ts';
import { isSopsEncrypted } from '../sops/index.ts';
import { sopsPreparer } from '../workspace/sops-preparer.ts';
import { type FindingRecord, type HealRecord, knownBundles, openFindings, recordFinding, resolveFinding, targetOf } from '../state/drift.ts';
import { activeLeases } from '../state/leases.ts';
import { bundleVersions } from '../workspace/bundle-versions.ts';
import type { Workspace } from '../workspace/workspace.ts';

export interface DriftReport {
  /** Open findings after the check, oldest first. */
  findings: FindingRecord[];
  /** Heals run by this check. */
  heals: HealRecord[];
  /** Per cluster: bundles and members judged, bundles that could not be (content unavailable), or why the cluster was not checked. */
  clusters: { cluster: string; bundles: number; members: number; unjudged: { bundle: string; reason: string }[]; error?: string }[];
}

export interface DriftOptions {
  ws: Workspace;
  /** Heal every drifted bundle whose policy is not `off` (default: only those whose policy is `heal`). */
  heal?: boolean;
  /** Process environment, for age keys named by `ageKey.env`. */
  env?: NodeJS.ProcessEnv;
  onEvent?: OnEvent;
  signal?: AbortSignal;
}

/** What drift needs from a workspace: which bundles to judge, their content by digest, members as Drover applies them. */
function driftContext(ws: Workspace, processEnv: NodeJS.ProcessEnv) {
  const contents = new Map<string, Promise<VersionContent>>();
  const preparers = new Map<string, (o: KubeObject) => Promise<KubeObject>>();
  let known = { at: 0, names: new Set<string>() };
  const environmentOf = (cluster: string) => ws.config.environments.find((e) => e.clusters.includes(cluster));
  const prepareFor = (cluster: string) => {
    const e = environmentOf(cluster);
    const key = e?.name ?? '';
    if (!preparers.has(key)) preparers.set(key, sopsPreparer({ environments: [e], env: processEnv }));
    return preparers.get(key)!;
  };
  const loadVersion = (bundle: string, signal?: AbortSignal) => ({ digest }: { digest: string }): Promise<VersionContent> => {
    const key = `${bundle}@${digest}`;
    if (!contents.has(key)) {
      const p = bundleVersions({ ws, bundle, ...(signal ? { signal } : {}) }).load(digest);
      p.catch(() => contents.delete(key));
      contents.set(key, p);
    }
    return contents.get(key)!;
  };
  return {
    environmentOf,
    prepareFor,
    loadVersion,
    tracks(bundle: string): boolean {
      if (Date.now() - known.at > 2000) known = { at: Date.now(), names: new Set(knownBundles(ws.db)) };
      return known.names.has(bundle) && selfHealFor(ws.config, bundle) !== 'off';
    },
    async loadDesired({ bundle, cluster, digest, signal }: { bundle: string; cluster: string; digest: string; signal?: AbortSignal }): Promise<DesiredMember[]> {
      const content = await loadVersion(bundle, signal)({ digest });
      const prepare = prepareFor(cluster);
      // Whatever was encrypted in Git is masked whole in findings, whatever its kind.
      return Promise.all(content.members.map(async (m) => ({ object: withOwnership(await prepare(m), bundle), sensitive: isSopsEncrypted(m) })));
    },
  };
}

type Ctx = ReturnType<typeof driftContext>;

/** Open findings whose bundle no longer runs on a cluster the monitor reached are moot. */
function resolveGone(ws: Workspace, monitor: ClusterMonitor): void {
  const running = new Set(monitor.present());
  const gone = new Set(openFindings(ws.db, { cluster: monitor.cluster }).map((f) => f.bundle).filter((b) => !running.has(b)));
  for (const bundle of gone) recordObservation({ db: ws.db, observation: { type: 'gone', bundle, cluster: monitor.cluster } });
}

/**
 * Heals one bundle on one cluster, then reads back each member that had an
 * open finding and resolves what matches (`healed`); what still differs stays
 * open with its fields refreshed.
 */
async function healAndVerify({ ws, ctx, cluster, monitor, bundle, onHealing, onResolved, onEvent, signal }: { ws: Workspace; ctx: Ctx; cluster: Cluster; monitor: ClusterMonitor; bundle: string; onHealing?: (healId: number | undefined) => void; onResolved?: (finding: FindingRecord) => void; onEvent?: OnEvent; signal?: AbortSignal }): Promise<HealRecord | undefined> {
  const run = monitor.running().find((r) => r.bundle === bundle);
  const open = openFindings(ws.db, { bundle, cluster: cluster.name });
  if (open.length === 0) return undefined;
  // Findings but no known version (the inventory not seen yet): fail, so the heal is tried again shortly.
  if (!run) throw new UnavailableError(`${bundle} on ${cluster.name}: the version this cluster should run is not known yet`, { data: { bundle, cluster: cluster.name } });
  const env = ctx.environmentOf(cluster.name);
  const heal = await healBundle({
    db: ws.db,
    cluster,
    bundle,
    version: { version: run.version, digest: run.digest },
    loadVersion: ctx.loadVersion(bundle, signal),
    prepare: ctx.prepareFor(cluster.name),
    ...(env ? { environment: env.name, timeoutMs: env.timeoutSeconds * 1000 } : {}),
    refs: open.map((f) => f.ref),
    onStarted: (h) => onHealing?.(h.id),
    ...(onEvent ? { onEvent } : {}),
    ...(signal ? { signal } : {}),
  });
  try {
    if (heal.outcome === 'skipped') return heal;
    for (const f of open) {
      const member = monitor.desiredOf(bundle, f.ref);
      if (!member) continue;
      const live = await getObject(cluster, { apiVersion: f.apiVersion, kind: f.objectKind, namespace: f.namespace, name: f.name }, signal);
      const drift = assessMember({ ...member, live });
      if (!drift) {
        const resolved = resolveFinding(ws.db, { ...targetOf(f), resolution: 'healed', healId: heal.id });
        if (resolved) onResolved?.(resolved);
      }
      else recordFinding(ws.db, { ...targetOf(f), version: f.version, digest: f.digest, ref: f.ref, detectedBy: f.detectedBy, kind: drift.kind, fields: drift.fields });
    }
    return heal;
  } finally {
    onHealing?.(undefined);
  }
}

/** One pass over every cluster: scan, record findings, heal where asked. */
export async function checkDrift({ ws, heal = false, env = {}, onEvent, signal }: DriftOptions): Promise<DriftReport> {
  const ctx = driftContext(ws, env);
  const clusters = await ws.clusters();
  const heals: HealRecord[] = [];
  const results = await Promise.all(
    [...clusters.values()].map(async (cluster) => {
      const monitor = new ClusterMonitor({
        cluster,
        tracks: ctx.tracks,
        loadDesired: ctx.loadDesired,
        onObservation: (o) => void recordObservation({ db: ws.db, observation: o }),
        ...(onEvent ? { onEvent } : {}),
      });
      try {
        const s = await monitor.scan(signal);
        resolveGone(ws, monitor);
        for (const { bundle } of monitor.running()) {
          const policy = selfHealFor(ws.config, bundle);
          if (!(heal ? policy !== 'off' : policy === 'heal')) continue;
          const h = await healAndVerify({ ws, ctx, cluster, monitor, bundle, ...(onEvent ? { onEvent } : {}), ...(signal ? { signal } : {}) });
          if (h) heals.push(h);
        }
        return { cluster: cluster.name, ...s };
      } catch (err) {
        if (signal?.aborted) throw err;
        return { cluster: cluster.name, bundles: 0, members: 0, unjudged: [], error: toDroverError(err).message };
      } finally {
        await monitor.stop();
      }
    }),
  );
  return { findings: openFindings(ws.db), heals, clusters: results };
}

export interface DriftMonitor {
  /** A full scan of every cluster now (also runs every `drift.scanIntervalSeconds`). */
  scan(): Promise<void>;
  /** Per cluster: judged members, confirming GETs, watch requests. */
  stats(): { cluster: string; judged: number; confirmGets: number; lists: number; watches: number; events: number }[];
  stop(): Promise<void>;
}

export interface DriftMonitorOptions extends Omit<DriftOptions, 'heal'> {
  /** Every finding opened, changed (other fields or kind) or resolved. */
  onFinding?: (finding: FindingRecord, change: FindingChange) => void;
  /** Every heal, when it ends. */
  onHeal?: (heal: HealRecord) => void;
  /** Default `drift.scanIntervalSeconds` from drover.yaml. */
  scanIntervalMs?: number;
  /** How long a new finding waits to be confirmed on the newest copy (default 150 ms). */
  confirmMs?: number;
  /** Server-side timeout of each watch request. */
  watchTimeoutSeconds?: number;
}

/** Watches every cluster; resolves once every watch is streaming and the first judgement is recorded. */
interface HealSlot {
  running: boolean;
  again: boolean;
  timer?: ReturnType<typeof setTimeout>;
  /** Heals failed in a row, and the timer of the next try. */
  failures?: number;
  retry?: ReturnType<typeof setTimeout>;
}

/** 5 s after the first failed heal, doubling up to 5 minutes. */
export function healRetryDelayMs(failures: number): number {
  return Math.min(5000 * 2 ** Math.max(0, failures - 1), 300_000);
}

export async function startDriftMonitor({ ws, env = {}, onFinding, onHeal, onEvent, scanIntervalMs, confirmMs, watchTimeoutSeconds, signal }: DriftMonitorOptions): Promise<DriftMonitor> {
  const ctx = driftContext(ws, env);
  const clusters = await ws.clusters();
  const healing = new Map<string, number>();
  const heals = new Map<string, HealSlot>();
  const ac = new AbortController();
  signal?.addEventListener('abort', () => ac.abort(signal.reason), { once: true });
  const monitors = new Map<string, ClusterMonitor>();
  const inFlight = new Set<Promise<unknown>>();

  const scheduleHeal = (bundle: string, cluster: string) => {
    const key = `${bundle}\u0000${cluster}`;
    const h = heals.get(key) ?? { running: false, again: false };
    heals.set(key, h);
    if (h.running) {
      h.again = true;
      return;
    }
    if (h.timer || ac.signal.aborted) return;
    // A short pause gathers the other members one out-of-band change touched into one heal.
    h.timer = setTimeout(() => {
      h.timer = undefined;
      h.running = true;
      const p = runHeal(bundle, cluster, key, h);
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }, 300);
  };

  const runHeal = async (bundle: string, cluster: string, key: string, h: HealSlot) => {
    try {
      const r = await healAndVerify({
        ws,
        ctx,
        cluster: clusters.get(cluster)!,
        monitor: monitors.get(cluster)!,
        bundle,
        onHealing: (id) => (id === undefined ? healing.delete(key) : healing.set(key, id)),
        // Resolved here or by the watch seeing the restored object, whichever comes first: either way it is reported once.
        onResolved: (f) => onFinding?.(f, 'resolved'),
        ...(onEvent ? { onEvent } : {}),
        signal: ac.signal,
      });
      if (r) onHeal?.(r);
      h.failures = 0;
    } catch (err) {
      if (!ac.signal.aborted) {
        // A failed heal (a busy API server, a lost lease) is tried again soon, not only at the next full scan.
        h.failures = (h.failures ?? 0) + 1;
        const delay = healRetryDelayMs(h.failures);
        onEvent?.({ phase: 'heal', subject: cluster, level: 'error', message: `${bundle}: heal failed (trying again in ${Math.round(delay / 1000)} s): ${toDroverError(err).message}` });
        h.retry = setTimeout(() => {
          h.retry = undefined;
          if (openFindings(ws.db, { bundle, cluster }).length > 0) scheduleHeal(bundle, cluster);
        }, delay);
      }
    } finally {
      h.running = false;
      if (h.again && !ac.signal.aborted) {
        h.again = false;
        scheduleHeal(bundle, cluster);
      }
    }
  };

  const observe = (o: Observation) => {
    const healId = healing.get(`${o.bundle}\u0000${o.cluster}`);
    for (const c of recordObservation({ db: ws.db, observation: o, ...(healId !== undefined ? { healId } : {}) })) {
      onFinding?.(c.finding, c.change);
      if (c.change !== 'resolved' && selfHealFor(ws.config, c.finding.bundle) === 'heal') scheduleHeal(c.finding.bundle, c.finding.cluster);
    }
  };

  const isBusy = (bundle: string, cluster: string) => activeLeases(ws.db).some((l) => l.bundle === bundle && l.cluster === cluster);
  for (const [name, cluster] of clusters) {
    monitors.set(
      name,
      new ClusterMonitor({
        cluster,
        tracks: ctx.tracks,
        loadDesired: ctx.loadDesired,
        onObservation: observe,
        isBusy,
        ...(confirmMs !== undefined ? { confirmMs } : {}),
        ...(watchTimeoutSeconds ? { watchTimeoutSeconds } : {}),
        ...(onEvent ? { onEvent } : {}),
      }),
    );
  }
  const healOpen = (m: ClusterMonitor) => {
    for (const { bundle } of m.running()) {
      if (selfHealFor(ws.config, bundle) === 'heal' && openFindings(ws.db, { bundle, cluster: m.cluster }).length > 0) scheduleHeal(bundle, m.cluster);
    }
  };
  await Promise.all(
    [...monitors.values()].map(async (m) => {
      try {
        await m.start();
        resolveGone(ws, m);
        healOpen(m);
      } catch (err) {
        onEvent?.({ phase: 'drift', subject: m.cluster, level: 'error', message: `drift monitor: ${toDroverError(err).message}` });
      }
    }),
  );

  const scanAll = async () => {
    await Promise.all(
      [...monitors.values()].map(async (m) => {
        try {
          await m.scan(ac.signal);
          resolveGone(ws, m);
          healOpen(m);
        } catch (err) {
          if (!ac.signal.aborted) onEvent?.({ phase: 'drift', subject: m.cluster, level: 'warn', message: `drift scan: ${toDroverError(err).message}` });
        }
      }),
    );
  };
  const interval = setInterval(() => void scanAll(), scanIntervalMs ?? ws.config.drift.scanIntervalSeconds * 1000);
  interval.unref();

  return {
    scan: scanAll,
    stats: () =>
      [...monitors.values()].map((m) => {
        const w = m.watchStats();
        return { cluster: m.cluster, judged: m.stats.judged, confirmGets: m.stats.confirmGets, lists: w.lists, watches: w.watches, events: w.events };
      }),
    async stop() {
      clearInterval(interval);
      ac.abort();
      for (const h of heals.values()) {
        if (h.timer) clearTimeout(h.timer);
        if (h.retry) clearTimeout(h.retry);
      }
      await Promise.allSettled([...inFlight]);
      await Promise.all([...monitors.values()].map((m) => m.stop()));
    },
  };
}

/** The open findings as recorded, without reading any cluster. */
export function driftJournal({ ws }: { ws: Workspace }): DriftReport {
  return { findings: openFindings(ws.db), heals: [], clusters: [] };
}

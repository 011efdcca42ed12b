/**
 * Whether the daemon and what it depends on are healthy. The daemon's own
 * status is what `/readyz` and `/api/v1/daemon` report: ready once recovery
 * at start has run and work is taken, not ready from the moment shutdown
 * starts, and how that recovery went. Its dependencies are known from every
 * operation that reaches them (dependencies.ts), and, between operations,
 * from probes on an interval: the registry is asked (GET /v2/) unless it
 * answered the loop or the channel watch since the last probe and failed
 * none since, and every cluster known to be down is asked for its version,
 * so it is marked up again when it answers. A probe that throws is logged
 * and the next one runs as planned: the interval is the retry (a probe only
 * asks what is down, so there is nothing to back off from), and a timer
 * callback that threw would end the process.
 *
 * @example
 *   const status = startingStatus(new Date().toISOString());
 *   const probes = startProbes({ ws, deps, log });
 *   probes.stop();
 */
import { toDroverError } from '../errors/errors.ts';
import type { Workspace } from '../workspace/workspace.ts';
import type { DaemonStatus } from './daemon-handle.ts';
import type { DependencyTracker } from './dependencies.ts';
import type { Logger } from './log.ts';

/** How often the registry is probed (GET /v2/) between operations, when nothing else asked it. */
const REGISTRY_PROBE_MS = 10_000;

/** A daemon just started: not ready, recovery not yet run, the state open. */
export function startingStatus(startedAt: string): DaemonStatus {
  return { ready: false, shuttingDown: false, recovery: 'pending', stateOpen: true, startedAt, failing: [] };
}

/** Probes the registry and the clusters that are down now and every REGISTRY_PROBE_MS, until `stop()`. */
export function startProbes({ ws, deps, log }: { ws: Workspace; deps: DependencyTracker; log: Logger }): {
  stop(): void;
} {
  const probe = () => {
    try {
      probeRegistry({ ws, deps });
      for (const d of deps.snapshot().filter((x) => x.kind === 'cluster' && !x.up))
        probeCluster({ ws, deps, name: d.name });
    } catch (err) {
      log.warn(`dependency probe failed: ${toDroverError(err).message}`, { error: toDroverError(err) });
    }
  };
  probe();
  const probing = setInterval(probe, REGISTRY_PROBE_MS);
  probing.unref();
  return { stop: () => clearInterval(probing) };
}

function probeRegistry({ ws, deps }: { ws: Workspace; deps: DependencyTracker }): void {
  const { answeredAtMs = 0, unansweredAtMs = 0 } = ws.stores.stats;
  if (answeredAtMs > unansweredAtMs && Date.now() - answeredAtMs < REGISTRY_PROBE_MS) deps.up('registry');
  else
    void ws.stores.ping(AbortSignal.timeout(5_000)).then(
      () => deps.up('registry'),
      (err: unknown) => deps.down('registry', undefined, toDroverError(err).message),
    );
}

/** A cluster known to be down is marked up when it answers; a probe that fails says nothing new. */
function probeCluster({ ws, deps, name }: { ws: Workspace; deps: DependencyTracker; name: string }): void {
  void ws
    .clusters([name])
    .then((cs) => cs.get(name)!.client.request({ method: 'GET', path: '/version', signal: AbortSignal.timeout(5_000) }))
    .then(
      () => deps.up('cluster', name),
      () => {},
    );
}

/**
 * `planRollout`: reads what a rollout is decided from (the journal, every
 * environment's channel tag, the version by the digest recorded at cut,
 * each cluster's inventory or agent status and, with `preview`, a
 * server-side dry run per cluster) and hands it to the pure
 * `assembleRolloutPlan`. It writes nothing anywhere, so `--dry-run` and
 * the dashboard's confirm pages are this call alone. A request that cannot
 * be planned at all (no such environment, both or neither of environment
 * and cluster, an agent cluster named directly) throws; a refusal the state
 * calls for (a moved version tag, a quarantined version, nothing healthy to
 * promote, a digest this hub never cut) is carried in the plan.
 *
 * @example
 *   const plan = await planRollout(ws, { bundle: 'web', environment: 'prod', reason: 'promote', preview: true });
 *   plan.waves[0].clusters[0].change?.changed // the fields applying it would change on c2
 */
import { gt } from 'semver';
import { artifactRefusalOf } from '../bundle/artifact-check.ts';
import type { EnvironmentConfig } from '../config/config.ts';
import { toDroverError, UsageError } from '../errors/errors.ts';
import { type BundleStore, VersionTagMovedError } from '../oci/index.ts';
import { environmentRun, runningOf } from '../release/environment-run.ts';
import { readInventory } from '../release/inventory.ts';
import { previewRelease } from '../release/preview.ts';
import { isQuarantined } from '../state/quarantine.ts';
import { lastRelease, lastReleases, listReleases } from '../state/releases.ts';
import { listVersions } from '../state/versions.ts';
import { sopsPreparer } from '../release/sops-preparer.ts';
import { environmentOf, environmentOfCluster, isAgentCluster } from '../config/lookups.ts';
import type { Workspace } from '../workspace/workspace.ts';
import { assembleRolloutPlan } from './assemble-plan.ts';
import { chooseVersion } from './choose-version.ts';
import { readAcceptedStatus } from './agent-status.ts';
import { historyRefusal } from './history-gate.ts';
import type { PlannedCluster, PlannedWave, PlanRefusal, RolloutPlan, RolloutRequest, VersionRef } from './plan.ts';

export interface PlanRolloutOptions extends RolloutRequest {
  /** Also dry-run the version on each cluster it reaches directly: what applying it would change there. */
  preview?: boolean | undefined;
  /**
   * Read what each cluster runs (its inventory, an agent's status) into the fingerprint: for a plan that is shown
   * or held against one shown (a preview reads them anyway). A plan only run needs no such read: the release
   * engine reads each inventory itself.
   */
  readInventories?: boolean | undefined;
  /** The bundle's store to read through (its loads are cached), shared with the run that follows. */
  store?: BundleStore | undefined;
  signal?: AbortSignal | undefined;
}

export async function planRollout(ws: Workspace, opts: PlanRolloutOptions): Promise<RolloutPlan> {
  const { bundle, signal } = opts;
  const e = checkRequest(ws, opts);
  const versions = opts.store ?? ws.versions(bundle, { signal });
  const tags = await readTags(ws, versions);
  const run = e ? environmentRun(lastReleases(ws.db, { bundle, clusters: e.clusters })) : undefined;
  const namesVersion = e && tags[e.name] ? await versionOfDigest(ws, versions, bundle, tags[e.name]!) : undefined;
  const chosen = chooseVersion({
    request: opts,
    environments: ws.config.environments.map((x) => x.name),
    runOf: (env) => environmentRun(lastReleases(ws.db, { bundle, clusters: environmentOf(ws.config, env).clusters })),
    isQuarantined: (environment, version) => isQuarantined(ws.db, { bundle, version, environment }),
    current: namesVersion,
    succeeded: e ? succeededIn(ws, bundle, e) : [],
    newer: gt,
  });
  const loaded = 'reference' in chosen ? await loadChosen(versions, chosen.reference) : chosen;
  const version = 'version' in loaded ? loaded.version : undefined;
  const waves = await plannedWaves(ws, opts, e, version);
  return assembleRolloutPlan({
    request: opts,
    version: version && { version: version.version, digest: version.digest },
    // A digest this hub never cut is refused in the plan already, so a dry run or a confirm page says so too.
    refusal:
      'refusal' in loaded
        ? loaded.refusal
        : version &&
          historyRefusal({
            db: ws.db,
            plan: {
              bundle,
              version: version.version,
              digest: version.digest,
              channel: { mode: opts.channel ?? 'move' },
            },
          }),
    waves,
    run,
    tags,
    namesVersion,
    quarantined: Boolean(
      e && version && isQuarantined(ws.db, { bundle, version: version.version, environment: e.name }),
    ),
    now: new Date(),
  });
}

/** The environment a request moves (undefined: one cluster); a request that cannot be planned throws. */
function checkRequest(ws: Workspace, { environment, cluster, reason }: RolloutRequest): EnvironmentConfig | undefined {
  if (!environment === !cluster) throw new UsageError(`${reason} needs exactly one of --env or --cluster`);
  if (environment) return environmentOf(ws.config, environment);
  if (!ws.config.clusters.some((c) => c.name === cluster))
    throw new UsageError(`${ws.config.file}: no cluster named ${cluster}`, { data: { cluster } });
  if (isAgentCluster(ws.config, cluster!))
    throw new UsageError(
      `${cluster} is an agent cluster: it follows its environment's tag; deploy to the environment (--env ${environmentOfCluster(ws.config, cluster!)?.name ?? 'ENV'}) instead`,
      { data: { cluster } },
    );
  return undefined;
}

/** Every environment's channel tag, each one request. */
async function readTags(ws: Workspace, versions: BundleStore): Promise<Record<string, string | null>> {
  const names = ws.config.environments.map((e) => e.name);
  const digests = await Promise.all(names.map((n) => versions.channel(n)));
  return Object.fromEntries(names.map((n, i) => [n, digests[i] ?? null]));
}

/** The version a digest is, from the journal when this hub cut it, else from the artifact itself (undefined: not a version of the bundle). */
async function versionOfDigest(
  ws: Workspace,
  versions: BundleStore,
  bundle: string,
  digest: string,
): Promise<string | undefined> {
  const known = listVersions(ws.db, bundle).find((v) => v.digest === digest);
  if (known) return known.version;
  return versions.load(digest).then(
    (v) => v.version,
    () => undefined,
  );
}

function succeededIn(ws: Workspace, bundle: string, e: EnvironmentConfig) {
  return e.clusters
    .flatMap((c) => listReleases(ws.db, { bundle, cluster: c, limit: 1000 }))
    .filter((r) => r.state === 'succeeded' && r.kind === 'release')
    .sort((a, b) => b.id - a.id);
}

/** The version pulled and verified by its recorded digest, or the refusal its tag or artifact calls for. */
async function loadChosen(
  versions: BundleStore,
  reference: string,
): Promise<{ version: VersionRef & { content: Awaited<ReturnType<BundleStore['load']>> } } | { refusal: PlanRefusal }> {
  try {
    const content = await versions.load(reference);
    return { version: { version: content.version, digest: content.digest, content } };
  } catch (err) {
    if (err instanceof VersionTagMovedError)
      return { refusal: { reason: 'VersionTagMoved', message: err.message, data: err.data } };
    const reason = artifactRefusalOf(err);
    if (reason) return { refusal: { reason, message: toDroverError(err).message, data: { reference } } };
    throw err;
  }
}

async function plannedWaves(
  ws: Workspace,
  opts: PlanRolloutOptions,
  e: EnvironmentConfig | undefined,
  version: VersionRef | undefined,
): Promise<PlannedWave[]> {
  const waves = e ? e.waves : [{ clusters: [opts.cluster!] }];
  return Promise.all(
    waves.map(async (w, i) => ({
      clusters: await Promise.all(
        w.clusters.map((c) => plannedCluster(ws, opts, { cluster: c, wave: i + 1, e }, version)),
      ),
      ...(w.concurrency !== undefined ? { concurrency: w.concurrency } : {}),
    })),
  );
}

async function plannedCluster(
  ws: Workspace,
  { bundle, preview, readInventories, signal }: PlanRolloutOptions,
  { cluster, wave, e }: { cluster: string; wave: number; e: EnvironmentConfig | undefined },
  version: VersionRef | undefined,
): Promise<PlannedCluster> {
  const run = runningOf(lastRelease(ws.db, bundle, cluster));
  const base = {
    cluster,
    wave,
    mode: isAgentCluster(ws.config, cluster) ? ('agent' as const) : ('push' as const),
    runs: run ? { version: run.version, digest: run.digest } : null,
  };
  // A refused plan runs nothing, and one only run needs no fingerprint: what the clusters hold does not matter to them.
  if (!version || !(preview || readInventories)) return base;
  try {
    if (base.mode === 'agent') {
      const s = await readAcceptedStatus({ ws, bundle, cluster, signal });
      return { ...base, inventory: s?.running?.digest ?? null };
    }
    const kube = (await ws.clusters([cluster])).get(cluster)!;
    const inventory = await readInventory(kube, bundle, signal);
    const planned = { ...base, inventory: inventory.current?.digest ?? null };
    if (!preview) return planned;
    const environment = e ?? environmentOfCluster(ws.config, cluster);
    return { ...planned, ...(await previewOn(ws, { bundle, cluster, environment, version, inventory, signal })) };
  } catch (err) {
    return { ...base, unreadable: toDroverError(err).message };
  }
}

async function previewOn(
  ws: Workspace,
  {
    bundle,
    cluster: name,
    environment,
    version,
    inventory,
    signal,
  }: {
    bundle: string;
    cluster: string;
    environment: EnvironmentConfig | undefined;
    version: VersionRef;
    inventory: Awaited<ReturnType<typeof readInventory>>;
    signal: AbortSignal | undefined;
  },
): Promise<Pick<PlannedCluster, 'change' | 'changeError'>> {
  try {
    const content = await ws.versions(bundle, { signal }).load(version.digest, {
      for: { cluster: name, ...(environment ? { environment: environment.name } : {}) },
    });
    const change = await previewRelease({
      cluster: (await ws.clusters([name])).get(name)!,
      bundle,
      content,
      inventory,
      prepare: sopsPreparer({ environments: [environment], env: ws.env }),
      createNamespace: environment?.createNamespace ?? false,
      selfManaged: ws.config.selfManaged.includes(bundle),
      signal,
    });
    return { change };
  } catch (err) {
    return { changeError: toDroverError(err).message };
  }
}

/**
 * Drover's public API: one typed function per verb, and the types they take
 * and return. The CLI (cmd/), the HTTP API and the dashboard (http/) call
 * only this; nothing below it imports it, so no cycle runs through here.
 * Each function is thin: it loads its verb's module on first call and
 * delegates (lib/verbs/<verb>.ts does the work), so `drover --help` or a
 * mistyped flag never loads the Git, registry or cluster code.
 *
 * @example
 *   import { openWorkspace, cut, deploy } from './lib/index.ts';
 *   const ws = await openWorkspace({ configPath: 'drover.yaml' });
 *   try {
 *     const r = await cut({ ws });
 *     for (const v of r.cut) await deploy({ ws, bundle: v.bundle, version: v.version, environment: 'dev' });
 *   } finally {
 *     ws.close();
 *   }
 */
import type * as WorkspaceModule from './workspace/workspace.ts';
import type * as Init from './verbs/init.ts';
import type * as Discover from './verbs/discover.ts';
import type * as Lint from './verbs/lint.ts';
import type * as Cut from './verbs/cut.ts';
import type * as Versions from './verbs/versions.ts';
import type * as Show from './verbs/show.ts';
import type * as Verify from './verbs/verify.ts';
import type * as KeysGenerate from './verbs/keys-generate.ts';
import type * as KeysSign from './verbs/keys-sign.ts';
import type * as Diff from './verbs/diff.ts';
import type * as Deploy from './verbs/deploy.ts';
import type * as Promote from './verbs/promote.ts';
import type * as Rollback from './verbs/rollback.ts';
import type * as Plan from './verbs/plan.ts';
import type * as Retire from './verbs/retire.ts';
import type * as Status from './verbs/status.ts';
import type * as History from './verbs/history.ts';
import type * as Drift from './verbs/drift.ts';
import type * as DriftFindings from './verbs/drift-findings.ts';
import type * as Events from './verbs/events.ts';
import type * as Recover from './verbs/recover.ts';
import type * as StateRebuild from './verbs/state-rebuild.ts';
import type * as Bundles from './verbs/bundles.ts';
import type * as Environments from './verbs/environments.ts';
import type * as Sources from './verbs/sources.ts';
import type * as Releases from './verbs/releases.ts';
import type * as DiffCluster from './verbs/diff-cluster.ts';
import type * as Overview from './verbs/overview.ts';
import type * as Rollout from './verbs/rollout.ts';
import type * as Daemon from './loop/daemon.ts';
import type * as Agent from './loop/agent.ts';

/** Opens everything one drover.yaml names (config, state, registry; clusters on first use). Close it when done. */
export async function openWorkspace(
  ...args: Parameters<typeof WorkspaceModule.openWorkspace>
): ReturnType<typeof WorkspaceModule.openWorkspace> {
  return (await import('./workspace/workspace.ts')).openWorkspace(...args);
}
/** `drover init`: writes a starter drover.yaml. */
export async function init(...args: Parameters<typeof Init.initConfig>): ReturnType<typeof Init.initConfig> {
  return (await import('./verbs/init.ts')).initConfig(...args);
}
/** `drover discover`: each bundle at its source's head, its members and why each is in, and unresolved references. */
export async function discover(
  ...args: Parameters<typeof Discover.discoverView>
): ReturnType<typeof Discover.discoverView> {
  return (await import('./verbs/discover.ts')).discoverView(...args);
}
/** `drover lint`: the built-in practice rules per bundle. */
export async function lint(...args: Parameters<typeof Lint.lintView>): ReturnType<typeof Lint.lintView> {
  return (await import('./verbs/lint.ts')).lintView(...args);
}
/** `drover cut`: cuts a version of each bundle changed at its source's head. */
export async function cut(...args: Parameters<typeof Cut.cutVersions>): ReturnType<typeof Cut.cutVersions> {
  return (await import('./verbs/cut.ts')).cutVersions(...args);
}
/** `drover versions B`: a bundle's versions, newest first. */
export async function versions(
  ...args: Parameters<typeof Versions.listBundleVersions>
): Promise<ReturnType<typeof Versions.listBundleVersions>> {
  return (await import('./verbs/versions.ts')).listBundleVersions(...args);
}
/** `drover show B@V`: one version: members, provenance, digest (and with `signature`, the key that signed it). */
export async function show(...args: Parameters<typeof Show.showVersion>): ReturnType<typeof Show.showVersion> {
  return (await import('./verbs/show.ts')).showVersion(...args);
}
/** `drover verify B@V`: whether the version carries a signature by a trusted key, and which key, or why not. */
export async function verify(
  ...args: Parameters<typeof Verify.verifyVersion>
): ReturnType<typeof Verify.verifyVersion> {
  return (await import('./verbs/verify.ts')).verifyVersion(...args);
}
/** `drover keys generate`: a new ECDSA P-256 key pair for signing versions; the private key 0600, never returned. */
export async function keysGenerate(
  ...args: Parameters<typeof KeysGenerate.generateKeys>
): ReturnType<typeof KeysGenerate.generateKeys> {
  return (await import('./verbs/keys-generate.ts')).generateKeys(...args);
}
/** `drover keys sign B[@V]`: signs versions cut before signing, each checked against the digest recorded at cut. */
export async function keysSign(
  ...args: Parameters<typeof KeysSign.signVersions>
): ReturnType<typeof KeysSign.signVersions> {
  return (await import('./verbs/keys-sign.ts')).signVersions(...args);
}
/** `drover diff B@V1 B@V2`: member and field diff, Secret values masked. */
export async function diff(...args: Parameters<typeof Diff.diffVersions>): ReturnType<typeof Diff.diffVersions> {
  return (await import('./verbs/diff.ts')).diffVersions(...args);
}
/** `drover diff B@V --cluster C`: what applying V would change on C (server-side dry run, Secret values masked). */
export async function diffCluster(
  ...args: Parameters<typeof DiffCluster.diffOnCluster>
): ReturnType<typeof DiffCluster.diffOnCluster> {
  return (await import('./verbs/diff-cluster.ts')).diffOnCluster(...args);
}
/** `drover deploy B@V`: releases a version to an environment's clusters in waves, or to one cluster. */
export async function deploy(
  ...args: Parameters<typeof Deploy.deployVersion>
): ReturnType<typeof Deploy.deployVersion> {
  return (await import('./verbs/deploy.ts')).deployVersion(...args);
}
/** `drover promote B --to E`: moves E's channel tag to what the previous environment runs healthy (or a named version) and deploys it. */
export async function promote(...args: Parameters<typeof Promote.promote>): ReturnType<typeof Promote.promote> {
  return (await import('./verbs/promote.ts')).promote(...args);
}
/** `drover rollback B --env E`: moves E's channel tag back and deploys it, quarantining the version left. */
export async function rollback(
  ...args: Parameters<typeof Rollback.rollbackEnvironment>
): ReturnType<typeof Rollback.rollbackEnvironment> {
  return (await import('./verbs/rollback.ts')).rollbackEnvironment(...args);
}
/** What `drover retire` would delete and keep on each cluster; writes nothing. */
export async function planRetire(
  ...args: Parameters<typeof Retire.planRetirement>
): ReturnType<typeof Retire.planRetirement> {
  return (await import('./verbs/retire.ts')).planRetirement(...args);
}
/** `drover retire B`: removes a bundle's inventory from an environment's clusters, journaled. */
export async function retire(...args: Parameters<typeof Retire.retireBundle>): ReturnType<typeof Retire.retireBundle> {
  return (await import('./verbs/retire.ts')).retireBundle(...args);
}
/** `drover status`: bundles x clusters, read from the clusters (or the journal only). */
export async function status(...args: Parameters<typeof Status.bundleStatus>): ReturnType<typeof Status.bundleStatus> {
  return (await import('./verbs/status.ts')).bundleStatus(...args);
}
/** Whether the registry answers now: null, or why not. */
export async function registryProblem(
  ...args: Parameters<typeof Status.registryProblem>
): ReturnType<typeof Status.registryProblem> {
  return (await import('./verbs/status.ts')).registryProblem(...args);
}
/** `drover history B`: a bundle's releases and their steps. */
export async function history(
  ...args: Parameters<typeof History.bundleHistory>
): Promise<ReturnType<typeof History.bundleHistory>> {
  return (await import('./verbs/history.ts')).bundleHistory(...args);
}
/** `drover drift`: checks every cluster for out-of-band changes, records and optionally heals them. */
export async function drift(...args: Parameters<typeof Drift.checkDrift>): ReturnType<typeof Drift.checkDrift> {
  return (await import('./verbs/drift.ts')).checkDrift(...args);
}
/** `drover drift --journal-only`: the open findings as recorded. */
export async function driftJournal(
  ...args: Parameters<typeof Drift.driftJournal>
): Promise<ReturnType<typeof Drift.driftJournal>> {
  return (await import('./verbs/drift.ts')).driftJournal(...args);
}
/** Drift findings as recorded (open, or all). */
export async function driftFindings(
  ...args: Parameters<typeof DriftFindings.listDriftFindings>
): Promise<ReturnType<typeof DriftFindings.listDriftFindings>> {
  return (await import('./verbs/drift-findings.ts')).listDriftFindings(...args);
}
/** Self-heal attempts as recorded. */
export async function driftHeals(
  ...args: Parameters<typeof DriftFindings.listDriftHeals>
): Promise<ReturnType<typeof DriftFindings.listDriftHeals>> {
  return (await import('./verbs/drift-findings.ts')).listDriftHeals(...args);
}
/** `drover events B`: the Kubernetes Events of a bundle's members and their children, per version. */
export async function events(...args: Parameters<typeof Events.bundleEvents>): ReturnType<typeof Events.bundleEvents> {
  return (await import('./verbs/events.ts')).bundleEvents(...args);
}
/** Finishes or rolls back every release a stopped engine left unfinished. */
export async function recover(...args: Parameters<typeof Recover.recoverAll>): ReturnType<typeof Recover.recoverAll> {
  return (await import('./verbs/recover.ts')).recoverAll(...args);
}

/** `drover state rebuild --inventory B --cluster C`: a missing inventory written back from the journal and the live objects. */
export async function rebuildInventory(
  ...args: Parameters<typeof StateRebuild.rebuildInventory>
): ReturnType<typeof StateRebuild.rebuildInventory> {
  return (await import('./verbs/state-rebuild.ts')).rebuildInventory(...args);
}
/** The bundles cut here, with what each environment runs. */
export async function bundles(
  ...args: Parameters<typeof Bundles.listBundleViews>
): Promise<ReturnType<typeof Bundles.listBundleViews>> {
  return (await import('./verbs/bundles.ts')).listBundleViews(...args);
}
/** One bundle with its versions and quarantine. */
export async function bundle(
  ...args: Parameters<typeof Bundles.bundleDetail>
): Promise<ReturnType<typeof Bundles.bundleDetail>> {
  return (await import('./verbs/bundles.ts')).bundleDetail(...args);
}
/** Versions quarantined per environment (rolled back from there; automation leaves them alone). */
export async function quarantine(
  ...args: Parameters<typeof Bundles.listQuarantined>
): Promise<ReturnType<typeof Bundles.listQuarantined>> {
  return (await import('./verbs/bundles.ts')).listQuarantined(...args);
}
/** The environments in promotion order and what they run. */
export async function environments(
  ...args: Parameters<typeof Environments.environmentViews>
): Promise<ReturnType<typeof Environments.environmentViews>> {
  return (await import('./verbs/environments.ts')).environmentViews(...args);
}
/** The sources and the commit each was last cut at. */
export async function sources(
  ...args: Parameters<typeof Sources.sourceViews>
): Promise<ReturnType<typeof Sources.sourceViews>> {
  return (await import('./verbs/sources.ts')).sourceViews(...args);
}
/** Releases in the journal, newest first. */
export async function releases(
  ...args: Parameters<typeof Releases.listReleaseViews>
): Promise<ReturnType<typeof Releases.listReleaseViews>> {
  return (await import('./verbs/releases.ts')).listReleaseViews(...args);
}
/** One release with its steps. */
export async function release(
  ...args: Parameters<typeof Releases.releaseView>
): Promise<ReturnType<typeof Releases.releaseView>> {
  return (await import('./verbs/releases.ts')).releaseView(...args);
}
/** What a deploy, promote or rollback would do, without doing it: the plan (`--dry-run`, the confirm pages), with each cluster's change. */
export async function plan(...args: Parameters<typeof Plan.planMove>): ReturnType<typeof Plan.planMove> {
  return (await import('./verbs/plan.ts')).planMove(...args);
}
/** Bundles x clusters by environment, one page, from the state alone (the dashboard's overview). */
export async function overview(
  ...args: Parameters<typeof Overview.overviewView>
): Promise<ReturnType<typeof Overview.overviewView>> {
  return (await import('./verbs/overview.ts')).overviewView(...args);
}
/** One version's rollout to one environment: per wave and cluster its releases with their journals, and the version's Kubernetes Events. */
export async function rollout(
  ...args: Parameters<typeof Rollout.rolloutView>
): Promise<ReturnType<typeof Rollout.rolloutView>> {
  return (await import('./verbs/rollout.ts')).rolloutView(...args);
}
/** The daemon behind `drover serve`: the loop, with the interface (HTTP) it is handed; see http/serve.ts. */
export async function runDaemon(...args: Parameters<typeof Daemon.runDaemon>): ReturnType<typeof Daemon.runDaemon> {
  return (await import('./loop/daemon.ts')).runDaemon(...args);
}

/** `drover agent`: pull mode inside one cluster, through the registry only (docs/agent-protocol.md). */
export async function runAgent(...args: Parameters<typeof Agent.runAgent>): ReturnType<typeof Agent.runAgent> {
  return (await import('./loop/agent.ts')).runAgent(...args);
}

// Light modules, loaded with the API itself: errors and their exit codes, object names, bundle@version.
export {
  ConflictError,
  DriftFoundError,
  DroverError,
  ExitCode,
  InvalidInputError,
  NotFoundError,
  ReleaseFailedError,
  RollbackFailedError,
  SignatureRefusedError,
  UnavailableError,
  UsageError,
  toDroverError,
} from './errors/errors.ts';
export { parseBundleRef } from './bundle/bundle-ref.ts';
// From its own module, not lib/oci's face: loading this file must not load the registry code.
export { VersionTagMovedError, type VersionTagMovedData } from './oci/version-tag-moved.ts';
// A rollout's one outcome, and the one mapping of it to an error (its class: the exit code and the HTTP status).
export {
  outcomeError,
  RolloutRefusedError,
  type ChannelResult,
  type RolloutFailure,
  type RolloutOutcome,
  type RolloutResult,
} from './rollout/outcome.ts';
export type { PlannedCluster, RolloutPlan, RolloutReason } from './rollout/plan.ts';
export { formatRef, type KubeObject, type ObjectRef } from './object/ref.ts';

export { LOG_LEVELS, type Logger, type LogLevel } from './loop/log.ts';

export type { DroverEvent, OnEvent } from './progress.ts';
export type { DaemonActions, DaemonHandle, DaemonStatus, RunningInterface } from './loop/daemon-handle.ts';
export { WEBHOOK_PROVIDERS } from './loop/webhook-secrets.ts';
export type { WebhookProvider } from './config/types.ts';
export type { ServeOptions } from './loop/daemon.ts';
export type { ServeSummary } from './loop/shutdown.ts';
export type { AgentOptions } from './loop/agent.ts';
export type { LoopContext } from './loop/loop-context.ts';
export type { SourceConfig } from './config/config.ts';
export type { Workspace } from './workspace/workspace.ts';
export type { BlockedCut, CutResult, CutVersion, LeftBundle } from './verbs/cut.ts';
export type { DeployResult } from './verbs/deploy.ts';
export type { ClusterDiff } from './release/preview.ts';
export type { ForeignMember } from './release/read-ownership.ts';
export type { RebuiltInventory } from './verbs/state-rebuild.ts';
export type { ClusterOutcome } from './release/fanout.ts';
export type { RetirePlan, RetireResult } from './verbs/retire.ts';
export type { ClusterRetireOutcome, ClusterRetirePlan } from './release/retire.ts';
export type { StatusRow } from './verbs/status.ts';
export type { CellState, OverviewCell, OverviewEnvironment, OverviewRow, OverviewView } from './verbs/overview.ts';
export type { RolloutView } from './verbs/rollout.ts';
export type { ChangeFeed, ChangeNote } from './loop/changes.ts';
export type { FieldChange, MemberDiff } from './bundle/diff.ts';
export type { ReleaseStep } from './state/releases.ts';
export type { HistoryEntry } from './verbs/history.ts';
export type { DriftReport } from './verbs/drift.ts';
export type { FindingRecord, HealRecord } from './state/drift.ts';
export type { BundleEventsResult } from './verbs/events.ts';
export type { KubeEventRow } from './state/events.ts';
export type { DiscoveredView } from './verbs/discover.ts';
export type { LintView } from './verbs/lint.ts';
export type { VersionSummary } from './verbs/versions.ts';
export type { VersionRecord } from './state/versions.ts';
export type { SignatureInfo, TargetSummary, VersionView } from './verbs/show.ts';
export type { VersionVerification } from './verbs/verify.ts';
export type { GeneratedKeys } from './verbs/keys-generate.ts';
export type { SignVersionsResult, SignedVersionEntry } from './verbs/keys-sign.ts';
export type { TargetDiff } from './verbs/diff.ts';
export type { BundleDetail, BundleView, EnvironmentSummary } from './verbs/bundles.ts';
export type { EnvironmentView } from './verbs/environments.ts';
export type { SourceView } from './verbs/sources.ts';
export type { ReleaseRecord } from './state/releases.ts';
export type { MembersDiff } from './bundle/diff.ts';

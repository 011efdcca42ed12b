/**
 * What an interface (the HTTP API, webhooks, the dashboard) sees of the
 * running daemon: its state (ready, shutting down), the loop context (the
 * workspace to read through the public API, metrics, log), the ways to give
 * it work (wake a source or a bundle), and the actions (cut, deploy, promote,
 * roll back) run under the same per-key locks the loop uses, with the loop's
 * metrics and log lines.
 */
import type { CutResult } from '../verbs/cut.ts';
import type { RolloutPlan, RolloutRequest } from '../rollout/plan.ts';
import type { DeployResult } from '../verbs/deploy.ts';
import type { DriftReport } from '../verbs/drift.ts';
import type { FailingTask } from './failing-tasks.ts';
import type { LoopContext } from './loop-context.ts';
import type { WebhookSecrets } from './webhook-secrets.ts';

export interface DaemonActions {
  /** Cuts the named source (or every source) now; new versions wake their bundles. */
  cut(args: {
    source?: string;
    bundle?: string;
  }): Promise<Pick<CutResult, 'sources' | 'cut' | 'unchanged' | 'warnings'>>;
  /**
   * What a deploy, promote or rollback would do, with each cluster's change (nothing is written); the daemon
   * remembers the plan, so the action can post its id (`plan`) and be refused if it went stale meanwhile.
   */
  plan(args: Omit<RolloutRequest, 'automated' | 'channel'>): Promise<RolloutPlan>;
  deploy(args: {
    bundle: string;
    version: string;
    environment?: string;
    cluster?: string;
    plan?: string | undefined;
  }): Promise<DeployResult>;
  promote(args: { bundle: string; to: string; version?: string; plan?: string | undefined }): Promise<DeployResult>;
  rollback(args: {
    bundle: string;
    environment: string;
    to?: string;
    plan?: string | undefined;
  }): Promise<DeployResult>;
  /** Re-applies what one cluster should run of one bundle, taking back drifted fields (a heal is a release in the journal). */
  heal(args: { bundle: string; cluster: string }): Promise<DriftReport>;
}

export interface DaemonStatus {
  ready: boolean;
  shuttingDown: boolean;
  recovery: 'pending' | 'done' | 'failed';
  stateOpen: boolean;
  startedAt: string;
  /** Tasks (sources, bundles) failed three times in a row or more: what is stuck, without reading the log. */
  failing: FailingTask[];
}

export interface DaemonHandle {
  ctx: LoopContext;
  status(): DaemonStatus;
  queue(): { running: readonly string[]; queued: readonly string[] };
  wakeSource(source: string, trigger: 'webhook' | 'api' | 'schedule' | 'fs' | 'startup' | 'recovered'): void;
  wakeBundle(bundle: string): void;
  /** Runs `fn` as in-flight work holding `key`'s lock (`bundle:web`, `source:shop`); ConflictError-free queueing behind the loop. */
  runExclusive<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** Each provider's own secret (none: its deliveries are refused), the providers refused for sharing one, the body cap. */
  webhook: WebhookSecrets & { maxBodyBytes: number };
  apiToken: string | undefined;
  actions: DaemonActions;
}

/** What an interface started by the daemon gives back: where it listens, and how to stop it. */
export interface RunningInterface {
  address: { host: string; port: number };
  close(): Promise<void>;
}

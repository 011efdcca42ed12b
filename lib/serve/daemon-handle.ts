/**
 * What the HTTP side sees of the running daemon: its state (ready, shutting
 * down), the loop context, and the ways to give it work (wake a source or a
 * bundle, run an action under the same per-key lock the loop uses).
 */
import type { LoopContext } from './loop-context.ts';

export interface DaemonStatus {
  ready: boolean;
  shuttingDown: boolean;
  recovery: 'pending' | 'done' | 'failed';
  stateOpen: boolean;
  startedAt: string;
}

export interface DaemonHandle {
  ctx: LoopContext;
  status(): DaemonStatus;
  queue(): { running: readonly string[]; queued: readonly string[] };
  wakeSource(source: string, trigger: 'webhook' | 'api' | 'schedule' | 'fs' | 'startup' | 'recovered'): void;
  wakeBundle(bundle: string): void;
  /** Runs `fn` as in-flight work holding `key`'s lock (`bundle:web`, `source:shop`); ConflictError-free queueing behind the loop. */
  runExclusive<T>(key: string, fn: () => Promise<T>): Promise<T>;
  webhook: { secret: string | undefined; maxBodyBytes: number };
  apiToken: string | undefined;
}

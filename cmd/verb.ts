/**
 * What a CLI verb is: its flags, the one library function it calls, and how
 * its result reads for a person. Verbs live in `verbs*.ts`, one list per
 * area; `verbs.ts` joins them.
 */
import type { ParseArgsOptionsConfig } from 'node:util';
import { type DroverError, type OnEvent, openWorkspace, type Workspace } from '../lib/index.ts';

export async function withWorkspace<T>(ctx: VerbContext, f: (ws: Workspace) => Promise<T>): Promise<T> {
  const ws = await openWorkspace({ configPath: ctx.configPath, signal: ctx.signal });
  try {
    return await f(ws);
  } finally {
    ws.close();
  }
}

export interface VerbContext {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
  configPath: string;
  onEvent: OnEvent;
  signal: AbortSignal;
  /** Asks a person yes or no on the terminal; undefined when there is no terminal to ask on. */
  confirm: (question: string) => Promise<boolean | undefined>;
}

export interface VerbResult {
  data: unknown;
  human?: string;
  /**
   * The verb ran and has a result to show, but the outcome is a failure (a
   * rollout rolled back, lint errors, drift found): its class decides the exit
   * code, in main.ts, as for a thrown error.
   */
  failure?: DroverError;
}

export interface Verb {
  name: string;
  usage: string;
  summary: string;
  options: ParseArgsOptionsConfig;
  run: (ctx: VerbContext) => Promise<VerbResult>;
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Progress and events from long work. Library functions take an optional
 * `onEvent` and never print; the CLI decides how to show events (a progress
 * line on a terminal, JSON lines otherwise).
 */
export interface DroverEvent {
  /** What is happening, e.g. `fetch`, `discover`, `push`, `apply`. */
  phase: string;
  message: string;
  /** The object, bundle or cluster concerned, formatted as in messages. */
  subject?: string;
  done?: number;
  total?: number;
  level?: 'info' | 'warn' | 'error';
  /** A machine-readable reason (a refusal's, e.g. `ForeignObject`). */
  reason?: string;
}

export type OnEvent = (event: DroverEvent) => void;

export const ignoreEvents: OnEvent = () => {};

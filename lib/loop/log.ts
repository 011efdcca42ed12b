/**
 * The daemon's structured log: one JSON object per line (`time`, `level`,
 * `msg`, then the fields), written through an injected `write` so the CLI
 * decides where it goes (stderr). Every line passes through a scrubber that
 * replaces each known secret (API token, webhook secret, Git credentials)
 * with `***`, so a secret that slips into a message or an error still never
 * reaches the log.
 *
 * @example
 *   const log = createLogger({ write: (l) => process.stderr.write(l), secrets: [token] });
 *   log.info('listening', { address: '127.0.0.1:7070' });
 */
import { DroverError } from '../errors/errors.ts';
import type { DroverEvent, OnEvent } from '../progress.ts';
import { redactSecrets } from '../source/redact.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A child whose lines all carry `fields`. */
  with(fields: LogFields): Logger;
}

export interface CreateLoggerOptions {
  write: (line: string) => void;
  level?: LogLevel;
  /** Values that must never appear in a line. */
  secrets?: readonly string[];
  now?: () => Date;
}

const RESERVED = new Set(['time', 'level', 'msg']);

/** A value made safe to log: errors as their code, message and data; everything else as is. */
function loggable(v: unknown): unknown {
  if (v instanceof DroverError) return v.toJSON();
  if (v instanceof Error) return { name: v.name, message: v.message };
  return v;
}

/** One log line (with its newline) for a record. Pure. */
export function formatLogLine({ time, level, msg, fields = {}, secrets = [] }: { time: Date; level: LogLevel; msg: string; fields?: LogFields; secrets?: readonly string[] }): string {
  const record: LogFields = { time: time.toISOString(), level, msg };
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    record[RESERVED.has(k) ? `field.${k}` : k] = loggable(v);
  }
  // Scrub both the raw secret and its JSON-escaped form (a quote or backslash in a secret is escaped in the line).
  const forms = secrets.filter((s) => s.length >= 4).flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]);
  return `${redactSecrets(JSON.stringify(record), forms)}\n`;
}

export function createLogger({ write, level = 'info', secrets = [], now = () => new Date() }: CreateLoggerOptions, bound: LogFields = {}): Logger {
  const min = LOG_LEVELS.indexOf(level);
  const emit = (l: LogLevel) => (msg: string, fields?: LogFields) => {
    if (LOG_LEVELS.indexOf(l) < min) return;
    write(formatLogLine({ time: now(), level: l, msg, fields: { ...bound, ...fields }, secrets }));
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    with: (fields) => createLogger({ write, level, secrets, now }, { ...bound, ...fields }),
  };
}

/** Library progress events as log lines: health polling is debug, the rest at the event's level. */
export function eventLogger(log: Logger, fields: LogFields = {}): OnEvent {
  return (e: DroverEvent) => {
    const level: LogLevel = e.level ?? (e.phase === 'verify' || e.phase === 'apply' ? 'debug' : 'info');
    log[level](e.message, { ...fields, phase: e.phase, ...(e.subject ? { subject: e.subject } : {}), ...(e.total ? { done: e.done ?? 0, total: e.total } : {}) });
  };
}

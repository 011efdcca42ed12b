/**
 * The daemon's structured log: one JSON object per line (`level`, `time`,
 * the fields, `msg`), written through an injected `write` so the CLI decides
 * where it goes (stderr). Every line passes through a scrubber that replaces
 * each known secret (API token, webhook secret, Git credentials) with `***`,
 * and every URL's userinfo and credential parameters (`?private_token=`,
 * `X-Amz-Signature=`...: lib/foundation/redact.ts's rule) likewise, so a
 * secret that slips into a message or an error still never reaches the log.
 * The hub (`drover serve`) and `drover agent` both log through here.
 *
 * Lines are written by pino, the JSON logger most Node services use: it
 * serializes safely (cycles, BigInt, odd strings) and fast, and its output
 * is what log shippers already parse. What is Drover's stays here: the
 * level as a word, the time as ISO 8601, no pid or hostname, errors as
 * their code, message and data, and the scrubbing, done on the finished
 * line in the destination pino writes to.
 *
 * @example
 *   const log = createLogger({ write: (l) => process.stderr.write(l), secrets: [token] });
 *   log.info('listening', { address: '127.0.0.1:7070' });
 */
import { pino } from 'pino';
import { DroverError } from '../errors/errors.ts';
import type { DroverEvent, OnEvent } from '../progress.ts';
import { redactCredentials, redactSecrets } from '../foundation/redact.ts';

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

/** Keys pino writes itself; a field of that name is logged as `field.<name>`. */
const RESERVED = new Set(['time', 'level', 'msg']);

/** A value made safe to log: errors as their code, message and data; everything else as is. */
function loggable(v: unknown): unknown {
  if (v instanceof DroverError) return v.toJSON();
  if (v instanceof Error) return { name: v.name, message: v.message };
  return v;
}

function loggableFields(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    out[RESERVED.has(k) ? `field.${k}` : k] = loggable(v);
  }
  return out;
}

/** One log line (with its newline) for a record, exactly as a logger writes it. Pure. */
export function formatLogLine({
  time,
  level,
  msg,
  fields = {},
  secrets = [],
}: {
  time: Date;
  level: LogLevel;
  msg: string;
  fields?: LogFields;
  secrets?: readonly string[];
}): string {
  let line = '';
  createLogger({ write: (l) => (line = l), level, secrets, now: () => time })[level](msg, fields);
  return line;
}

export function createLogger({
  write,
  level = 'info',
  secrets = [],
  now = () => new Date(),
}: CreateLoggerOptions): Logger {
  // Scrub both the raw secret and its JSON-escaped form (a quote or backslash in a secret is escaped in the line).
  const forms = secrets.filter((s) => s.length >= 4).flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]);
  const out = pino(
    {
      level,
      base: null,
      timestamp: () => `,"time":"${now().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }), log: loggableFields },
      // loggableFields has shaped every error already; pino's own error serializer would reshape a field named `err`.
      serializers: { err: (v: unknown) => v },
    },
    { write: (line: string) => write(redactCredentials(redactSecrets(line, forms))) },
  );
  // Bound fields are merged here rather than through pino's child loggers, so a
  // field given to a call replaces a bound one of the same name instead of
  // appearing twice in the line.
  const bind = (bound: LogFields): Logger => {
    const emit = (l: LogLevel) => (msg: string, fields?: LogFields) => out[l]({ ...bound, ...fields }, msg);
    return {
      debug: emit('debug'),
      info: emit('info'),
      warn: emit('warn'),
      error: emit('error'),
      with: (fields) => bind({ ...bound, ...fields }),
    };
  };
  return bind({});
}

/** Library progress events as log lines: health polling is debug, the rest at the event's level. */
export function eventLogger(log: Logger, fields: LogFields = {}): OnEvent {
  return (e: DroverEvent) => {
    const level: LogLevel = e.level ?? (e.phase === 'verify' || e.phase === 'apply' ? 'debug' : 'info');
    log[level](e.message, {
      ...fields,
      phase: e.phase,
      ...(e.subject ? { subject: e.subject } : {}),
      ...(e.total ? { done: e.done ?? 0, total: e.total } : {}),
    });
  };
}

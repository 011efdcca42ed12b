import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../errors/errors.ts';
import { createLogger, eventLogger, formatLogLine } from './log.ts';

const time = new Date('2026-01-02T03:04:05.000Z');

describe('log lines', () => {
  it('are one JSON object per line: level, time, the fields, msg', () => {
    const line = formatLogLine({
      time,
      level: 'info',
      msg: 'cut web@1.0.1',
      fields: { bundle: 'web', skipped: undefined, msg: 'clash' },
    });
    expect(line.endsWith('\n')).toBe(true);
    expect(line.trimEnd()).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      time: '2026-01-02T03:04:05.000Z',
      level: 'info',
      msg: 'cut web@1.0.1',
      bundle: 'web',
      'field.msg': 'clash',
    });
    // The level as a word, the time as ISO 8601, no pid or hostname.
    expect(line).toBe(
      '{"level":"info","time":"2026-01-02T03:04:05.000Z","bundle":"web","field.msg":"clash","msg":"cut web@1.0.1"}\n',
    );
    expect(JSON.parse(formatLogLine({ time, level: 'debug', msg: 'm', fields: { time: 1, level: 'x' } }))).toEqual({
      time: time.toISOString(),
      level: 'debug',
      msg: 'm',
      'field.time': 1,
      'field.level': 'x',
    });
  });

  it('carry errors as code, message and data', () => {
    const line = formatLogLine({
      time,
      level: 'error',
      msg: 'failed',
      fields: { error: new NotFoundError('no bundle web', { data: { bundle: 'web' } }), plain: new TypeError('x') },
    });
    expect(JSON.parse(line)).toMatchObject({
      error: { code: 'E_NOT_FOUND', message: 'no bundle web', data: { bundle: 'web' } },
      plain: { name: 'TypeError', message: 'x' },
    });
    // The same under pino's own error key, and a value that refers to itself is logged, not thrown on.
    const cyclic: Record<string, unknown> = { n: 1 };
    cyclic.self = cyclic;
    const other = formatLogLine({
      time,
      level: 'error',
      msg: 'failed',
      fields: { err: new NotFoundError('no bundle web'), cyclic },
    });
    expect(JSON.parse(other)).toEqual({
      time: time.toISOString(),
      level: 'error',
      msg: 'failed',
      err: { code: 'E_NOT_FOUND', message: 'no bundle web', data: {} },
      cyclic: { n: 1, self: '[Circular]' },
    });
  });

  it('never contain a known secret, raw or JSON-escaped, anywhere in the line', () => {
    const secrets = ['s3cr3t-token-value', 'we"bhook\\secret'];
    const line = formatLogLine({
      time,
      level: 'warn',
      msg: 'auth failed for s3cr3t-token-value',
      fields: {
        header: 'Bearer s3cr3t-token-value',
        nested: { v: 'we"bhook\\secret' },
        url: 'https://bot:s3cr3t-token-value@git.example/x.git',
      },
      secrets,
    });
    expect(line).not.toContain('s3cr3t-token-value');
    expect(line).not.toContain('bhook');
    expect(JSON.parse(line)).toMatchObject({ msg: 'auth failed for ***', header: 'Bearer ***', nested: { v: '***' } });
    // Through a logger too, bound fields included.
    const lines: string[] = [];
    createLogger({ write: (l) => lines.push(l), secrets, now: () => time })
      .with({ url: 'https://bot:s3cr3t-token-value@git.example/x.git' })
      .error('fetch failed: we"bhook\\secret');
    expect(lines).toEqual([
      '{"level":"error","time":"2026-01-02T03:04:05.000Z","url":"https://git.example/x.git","msg":"fetch failed: ***"}\n',
    ]);
  });

  it('never contain the userinfo or credential parameters of a URL, known secrets or not', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l), now: () => time }).with({ agent: 'c3' });
    log.warn('fetch https://git.example/x.git?private_token=glpat-abc123&ref=main failed', {
      error: new Error('GET https://u:hunter2@s3.example/b?X-Amz-Credential=AKIA1%2F2&X-Amz-Signature=f00d: 403'),
      urls: ['http://h/x?sig=AbC%3D&sv=2024'],
    });
    const line = lines.join('');
    for (const secret of ['glpat-abc123', 'hunter2', 'AKIA1', 'f00d', 'AbC%3D']) expect(line).not.toContain(secret);
    expect(JSON.parse(line)).toMatchObject({
      msg: 'fetch https://git.example/x.git?private_token=***&ref=main failed',
      error: { message: 'GET https://s3.example/b?X-Amz-Credential=***&X-Amz-Signature=*** 403' },
      urls: ['http://h/x?sig=***&sv=2024'],
    });
  });

  it('drop lines below the level, and child loggers carry their fields', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l), level: 'info', now: () => time });
    log.debug('hidden');
    log.with({ task: 'drift' }).warn('seen', { bundle: 'web' });
    eventLogger(log)({ phase: 'verify', message: 'waiting' });
    eventLogger(log)({ phase: 'release', subject: 'c1', message: 'web@1.0.1: succeeded' });
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { time: time.toISOString(), level: 'warn', msg: 'seen', task: 'drift', bundle: 'web' },
      { time: time.toISOString(), level: 'info', msg: 'web@1.0.1: succeeded', phase: 'release', subject: 'c1' },
    ]);
  });

  it('give a field of a call precedence over a bound one of the same name, written once', () => {
    const lines: string[] = [];
    createLogger({ write: (l) => lines.push(l), level: 'debug', now: () => time })
      .with({ task: 'drift', bundle: 'web' })
      .with({ task: 'cut' })
      .debug('m', { bundle: 'api' });
    expect(lines).toEqual([
      '{"level":"debug","time":"2026-01-02T03:04:05.000Z","task":"cut","bundle":"api","msg":"m"}\n',
    ]);
  });
});

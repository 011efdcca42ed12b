import { describe, expect, it } from 'vitest';
import * as errors from './errors.ts';

// Walk every error class: each has a distinct stable code and an exit code from the table.
const classes = Object.values(errors).filter(
  (v): v is typeof errors.DroverError => typeof v === 'function' && v.prototype instanceof Error,
);

describe('error classes', () => {
  it('each has a stable code, a known exit code and keeps data and cause', () => {
    const codes = new Set<string>();
    const cause = new Error('root');
    for (const Cls of classes) {
      const e = new Cls('boom', { data: { file: 'a.yaml' }, cause });
      expect(e.code).toMatch(/^E_[A-Z_]+$/);
      expect(Object.values(errors.ExitCode)).toContain(e.exitCode);
      expect(e.data).toEqual({ file: 'a.yaml' });
      expect(e.cause).toBe(cause);
      expect(e.name).toBe(Cls.name);
      expect(JSON.parse(JSON.stringify(e))).toEqual({ code: e.code, message: 'boom', data: { file: 'a.yaml' } });
      codes.add(e.code);
    }
    expect(codes.size).toBe(classes.length);
    expect(classes.length).toBeGreaterThanOrEqual(11);
  });

  it('toDroverError keeps DroverErrors and wraps the rest', () => {
    const nf = new errors.NotFoundError('x');
    expect(errors.toDroverError(nf)).toBe(nf);
    const wrapped = errors.toDroverError(new TypeError('bad'));
    expect(wrapped.code).toBe('E_INTERNAL');
    expect(wrapped.message).toBe('bad');
    expect(errors.toDroverError('str').message).toBe('str');
  });
});

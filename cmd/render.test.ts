import { describe, expect, it } from 'vitest';
import type { StatusRow } from '../lib/index.ts';
import { statusTable } from './render.ts';

const row = (over: Partial<StatusRow> = {}): StatusRow => ({
  bundle: 'web',
  cluster: 'c1',
  running: '1.0.0',
  health: 'Current',
  healthMessage: null,
  pending: null,
  drift: 0,
  last: null,
  environment: 'prod',
  tag: null,
  sync: null,
  syncReason: null,
  ...over,
});

describe('statusTable', () => {
  it('has no SIGNED BY column where no environment requires signatures', () => {
    expect(statusTable([row()]).split('\n')[0]).not.toContain('SIGNED BY');
  });

  it('names the key that verified what runs, or says it is not verified and why', () => {
    const key = `sha256:${'a'.repeat(64)}`;
    const lines = statusTable([
      row({ signedBy: key }),
      row({ cluster: 'c2', signedBy: null, signatureProblem: 'unsigned: no signature found' }),
      row({ cluster: 'c3', environment: 'dev' }),
    ]).split('\n');
    expect(lines[0]).toMatch(/RUNNING\s+SIGNED BY\s+TAG/);
    expect(lines[1]).toMatch(new RegExp(`1\\.0\\.0\\s+${key.slice(0, 19)}\\s`));
    expect(lines[2]).toMatch(/1\.0\.0\s+NOT VERIFIED\s.*signature: unsigned: no signature found/);
    expect(lines[3]).toMatch(/c3\s+1\.0\.0\s+-\s/);
  });
});

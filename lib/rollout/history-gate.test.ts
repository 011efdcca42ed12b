import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openState } from '../state/open.ts';
import { recordCut, type VersionRecord } from '../state/versions.ts';
import { historyRefusal } from './history-gate.ts';

const dir = mkdtempSync(join(tmpdir(), 'drover-history-gate-'));
const db = openState({ path: join(dir, 'state.db') });
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});
const D = (c: string) => `sha256:${c.repeat(64)}`;
const v = (version: string, digest: string): VersionRecord => ({
  bundle: 'web',
  version,
  digest,
  commit: 'c1',
  parent: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  config: {
    name: 'web',
    version,
    members: [],
    provenance: { source: 'apps', commit: 'c1', changedPaths: [], author: 'A <a@x>', commitTime: '', parent: null },
  },
});
recordCut(db, {
  source: { name: 'apps', url: 'http://git.example/apps.git', branch: 'main', commit: 'c1' },
  versions: [v('1.0.0', D('a')), v('1.0.1', D('b'))],
  repositoryOf: (b) => `drover/${b}`,
});

describe('historyRefusal', () => {
  it.each([
    { what: 'the digest recorded at cut', version: '1.0.1', digest: D('b'), refused: null },
    {
      what: 'a version this hub never cut (copied in from another Drover)',
      version: '6.6.6',
      digest: D('f'),
      refused: /web@6\.6\.6 \(sha256:f+\) is not a version this hub cut: the journal records no web@6\.6\.6/,
    },
    {
      what: 'a version cut here, under another digest',
      version: '1.0.0',
      digest: D('f'),
      refused: /the journal records web@1\.0\.0 as sha256:a+/,
    },
    {
      what: 'a digest cut here, named as another version',
      version: '1.0.0',
      digest: D('b'),
      refused: /the journal records web@1\.0\.0 as sha256:a+/,
    },
  ])('$what', ({ version, digest, refused }) => {
    const r = historyRefusal({ db, plan: { bundle: 'web', version, digest } });
    if (!refused) return expect(r).toBeUndefined();
    expect(r).toMatchObject({ reason: 'NotCutHere', data: { bundle: 'web', version, digest } });
    expect(r!.message).toMatch(refused);
  });

  it("checks nothing for an agent's rollout (it follows its hub's tag and records no cut), or before a version is chosen", () => {
    const plan = { bundle: 'web', version: '6.6.6', digest: D('f') };
    expect(historyRefusal({ db, plan: { ...plan, channel: { mode: 'follow' } } })).toBeUndefined();
    expect(historyRefusal({ db, plan: { ...plan, channel: { mode: 'move' } } })).toMatchObject({
      reason: 'NotCutHere',
    });
    expect(historyRefusal({ db, plan: { bundle: 'web' } })).toBeUndefined();
  });
});

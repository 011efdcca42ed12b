// The overview's cells are the journal's word, table-tested against a real
// (in-memory) state: each release history gives one cell state, the version
// it runs, what is in flight and what failed; filters and pages are SQL.
import { describe, expect, it } from 'vitest';
import type { BundleConfig } from '../bundle/pack.ts';
import { markChannel } from '../state/channel-marks.ts';
import { recordFinding } from '../state/drift.ts';
import { openState, type StateDb } from '../state/open.ts';
import { beginRelease, recordStep, type ReleaseState } from '../state/releases.ts';
import { beginRollout, endRollout } from '../state/rollouts.ts';
import { recordCut } from '../state/versions.ts';
import type { Workspace } from '../workspace/workspace.ts';
import { overviewView } from './overview.ts';

const D = (n: number) => `sha256:${String(n).padStart(64, '0')}`;

function seed(bundles: { name: string; namespace: string }[]): StateDb {
  const db = openState({ path: ':memory:' });
  for (const v of [0, 1, 2]) {
    recordCut(db, {
      source: { name: 'apps', url: 'https://git.example/apps.git', branch: 'main', commit: `${v}`.repeat(40) },
      repositoryOf: (b) => b,
      versions: bundles.map((b, i) => ({
        bundle: b.name,
        version: `1.0.${v}`,
        digest: D(i * 10 + v),
        commit: `${v}`.repeat(40),
        parent: v ? `1.0.${v - 1}` : null,
        createdAt: '2026-12-01T00:00:00.000Z',
        config: {
          name: b.name,
          version: `1.0.${v}`,
          members: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: b.namespace, name: 'cfg', digest: D(1) }],
          provenance: {
            source: 's',
            commit: `${v}`.repeat(40),
            changedPaths: [],
            author: 'a',
            commitTime: '2026-12-01T00:00:00Z',
            parent: null,
          },
        } as unknown as BundleConfig,
      })),
    });
  }
  return db;
}

function release(
  db: StateDb,
  {
    bundle = 'web',
    cluster,
    version,
    from,
    states,
    failedObject,
  }: {
    bundle?: string;
    cluster: string;
    version: string;
    from?: string;
    states: ReleaseState[];
    failedObject?: string;
  },
) {
  const r = beginRelease(db, {
    bundle,
    cluster,
    environment: cluster === 'c1' ? 'dev' : 'prod',
    version,
    digest: D(0),
    ...(from ? { fromVersion: from, fromDigest: D(0) } : {}),
  });
  for (const state of states)
    recordStep(db, r.id, {
      state,
      message: state,
      ...(state === 'rolling-back'
        ? { reason: 'CrashLoopBackOff', failedObject: failedObject ?? 'Deployment/shop/web' }
        : {}),
    });
  return r.id;
}

const wsOf = (db: StateDb, agent = false) =>
  ({
    db,
    config: {
      clusters: [{ name: 'c1' }, { name: 'c2' }, { name: 'c3', ...(agent ? { mode: 'agent' } : {}) }],
      environments: [
        { name: 'dev', clusters: ['c1'] },
        { name: 'prod', clusters: ['c2', 'c3'] },
      ],
    },
  }) as unknown as Workspace;

describe('overviewView', () => {
  it.each<
    [
      string,
      { version: string; from?: string; states: ReleaseState[] }[],
      { state: string; running: string | null; inFlight: string | null; failed: string | null },
    ]
  >([
    ['nothing released', [], { state: 'not-deployed', running: null, inFlight: null, failed: null }],
    [
      'a release that succeeded',
      [{ version: '1.0.0', states: ['applying', 'verifying', 'succeeded'] }],
      { state: 'healthy', running: '1.0.0', inFlight: null, failed: null },
    ],
    [
      'a release in flight runs the last finished one meanwhile',
      [
        { version: '1.0.0', states: ['succeeded'] },
        { version: '1.0.1', from: '1.0.0', states: ['applying'] },
      ],
      { state: 'releasing', running: '1.0.0', inFlight: '1.0.1', failed: null },
    ],
    [
      'a release rolled back runs what it restored, and links the failure',
      [
        { version: '1.0.1', states: ['succeeded'] },
        { version: '1.0.2', from: '1.0.1', states: ['applying', 'rolling-back', 'rolled-back'] },
      ],
      { state: 'rolled-back', running: '1.0.1', inFlight: null, failed: '1.0.2' },
    ],
    [
      'a rollback that failed runs no one version',
      [
        { version: '1.0.1', states: ['succeeded'] },
        { version: '1.0.2', from: '1.0.1', states: ['rolling-back', 'rollback-failed'] },
      ],
      { state: 'rollback-failed', running: null, inFlight: null, failed: '1.0.2' },
    ],
  ])('%s', (_, history, want) => {
    const db = seed([{ name: 'web', namespace: 'shop' }]);
    for (const h of history) release(db, { cluster: 'c1', ...h });
    const c = overviewView({ ws: wsOf(db) }).rows[0]!.environments[0]!.cells[0]!;
    expect({
      state: c.state,
      running: c.running,
      inFlight: c.inFlight?.version ?? null,
      failed: c.failed?.version ?? null,
    }).toEqual(want);
  });

  it('groups cells by environment in config order, with each tag as marked, drift counted, agent clusters said', () => {
    const db = seed([{ name: 'web', namespace: 'shop' }]);
    release(db, { cluster: 'c2', version: '1.0.1', states: ['succeeded'] });
    markChannel(db, { bundle: 'web', environment: 'prod', digest: D(1) });
    recordFinding(db, {
      bundle: 'web',
      cluster: 'c2',
      apiVersion: 'v1',
      objectKind: 'ConfigMap',
      namespace: 'shop',
      name: 'cfg',
      ref: 'ConfigMap/shop/cfg',
      version: '1.0.1',
      digest: D(1),
      detectedBy: 'watch',
      kind: 'changed',
      fields: [],
    });
    const v = overviewView({ ws: wsOf(db, true) });
    expect(v.environments).toEqual([
      { name: 'dev', clusters: ['c1'] },
      { name: 'prod', clusters: ['c2', 'c3'] },
    ]);
    const row = v.rows[0]!;
    expect(row).toMatchObject({ bundle: 'web', latest: '1.0.2', namespaces: ['shop'] });
    expect(row.environments.map((e) => [e.name, e.tag?.version ?? null])).toEqual([
      ['dev', null],
      ['prod', '1.0.1'],
    ]);
    expect(row.environments[1]!.cells.map((c) => [c.cluster, c.mode, c.state, c.drift])).toEqual([
      ['c2', 'push', 'healthy', 1],
      ['c3', 'agent', 'not-deployed', 0],
    ]);
  });

  it('filters by name and namespace and pages in SQL', () => {
    const db = seed([
      ...Array.from({ length: 7 }, (_, i) => ({ name: `web-${i}`, namespace: i % 2 ? 'odd' : 'even' })),
      { name: 'api_x', namespace: 'even' },
    ]);
    const ws = wsOf(db);
    expect(overviewView({ ws, limit: 3 }).rows.map((r) => r.bundle)).toEqual(['api_x', 'web-0', 'web-1']);
    expect(overviewView({ ws, limit: 3, offset: 6 }).rows.map((r) => r.bundle)).toEqual(['web-5', 'web-6']);
    expect(overviewView({ ws, q: 'WEB' }).total).toBe(7);
    expect(overviewView({ ws, namespace: 'odd' }).rows.map((r) => r.bundle)).toEqual(['web-1', 'web-3', 'web-5']);
    // LIKE wildcards in the filter are literal.
    expect(overviewView({ ws, q: '_' }).rows.map((r) => r.bundle)).toEqual(['api_x']);
    expect(overviewView({ ws, q: '%' }).total).toBe(0);
    expect(overviewView({ ws, only: ['web-3', 'nope'] }).rows.map((r) => r.bundle)).toEqual(['web-3']);
  });
});

describe('overviewView: the tag', () => {
  const view = (db: StateDb) => overviewView({ ws: wsOf(db) }).rows[0]!.environments[1]!.tag;
  it('is what Drover set, until a newer read of the registry says otherwise', async () => {
    const { recordChannelReads } = await import('../state/channel-reads.ts');
    const db = seed([{ name: 'web', namespace: 'shop' }]);
    expect(view(db)).toBeNull();
    db.prepare('INSERT INTO channel_marks (bundle, environment, digest, at) VALUES (?, ?, ?, ?)').run(
      'web',
      'prod',
      D(1),
      '2026-12-01T10:00:00.000Z',
    );
    expect(view(db)).toMatchObject({ version: '1.0.1', from: 'mark', followed: true });
    // An older read (it began before Drover's move) does not hide the move.
    recordChannelReads(db, [{ bundle: 'web', environment: 'prod', digest: D(0), at: '2026-12-01T09:59:59.000Z' }]);
    expect(view(db)).toMatchObject({ version: '1.0.1', from: 'mark', followed: true });
    // A newer read of the same digest: followed.
    recordChannelReads(db, [{ bundle: 'web', environment: 'prod', digest: D(1), at: '2026-12-01T10:00:05.000Z' }]);
    expect(view(db)).toMatchObject({ version: '1.0.1', from: 'read', followed: true, marked: null });
    // Moved outside Drover to another version, not followed (yet, or refused): said, with what Drover last set.
    recordChannelReads(db, [{ bundle: 'web', environment: 'prod', digest: D(2), at: '2026-12-01T10:01:00.000Z' }]);
    expect(view(db)).toMatchObject({ version: '1.0.2', from: 'read', followed: false, marked: { version: '1.0.1' } });
    // Moved to something that is no version of the bundle.
    recordChannelReads(db, [{ bundle: 'web', environment: 'prod', digest: D(999), at: '2026-12-01T10:02:00.000Z' }]);
    expect(view(db)).toMatchObject({ version: null, digest: D(999), followed: false });
    expect(view(db)!.refused).toBeUndefined();
    // Its rollout refused (a digest this hub never cut): the tag says why.
    const id = beginRollout(db, {
      planId: 'p',
      bundle: 'web',
      reason: 'follow',
      environment: 'prod',
      version: '6.6.6',
      digest: D(999),
    });
    const failure = {
      error: { code: 'E_CONFLICT', reason: 'NotCutHere', message: 'web@6.6.6 is not a version this hub cut' },
    };
    endRollout(db, id, { outcome: 'refused', failures: [failure] });
    expect(view(db)).toMatchObject({
      digest: D(999),
      followed: false,
      refused: { reason: 'NotCutHere', message: failure.error.message },
    });
    // A refusal of another digest than the tag names now is not the tag's.
    recordChannelReads(db, [{ bundle: 'web', environment: 'prod', digest: D(2), at: '2026-12-01T10:02:30.000Z' }]);
    expect(view(db)!.refused).toBeUndefined();
    recordChannelReads(db, [{ bundle: 'web', environment: 'prod', digest: D(999), at: '2026-12-01T10:02:40.000Z' }]);
    // The tag deleted.
    recordChannelReads(db, [{ bundle: 'web', environment: 'prod', digest: null, at: '2026-12-01T10:03:00.000Z' }]);
    expect(view(db)).toBeNull();
  });
});

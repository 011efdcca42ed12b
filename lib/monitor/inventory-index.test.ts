import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../object/ref.ts';
import { assembleInventoryObject, type Inventory } from '../release/inventory.ts';
import { type IndexChange, InventoryIndex } from './inventory-index.ts';

const cm = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'shop' },
  data: { A: '1' },
});
const deploy: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop' },
  spec: { replicas: 1 },
};
const hpa: KubeObject = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'shop' },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' } },
};
/** Content by digest; `sha256:down` cannot be loaded. */
const contents: Record<string, KubeObject[]> = { 'sha256:1': [cm('cfg')], 'sha256:2': [cm('cfg'), deploy, hpa] };

const v = (version: string) => ({ version, digest: `sha256:${version}`, members: [] });
const inv = (bundle: string, current: string | null, pending: string | null = null): Inventory => ({
  bundle,
  current: current ? v(current) : null,
  pending: pending ? { ...v(pending), releaseId: 1, startedAt: '2026-01-01T00:00:00Z' } : null,
  entries: [],
  exists: true,
});

interface Step {
  items: Inventory[];
  full?: boolean;
  deleted?: boolean;
}

const say = (c: IndexChange) =>
  c.type === 'version' ? `version ${c.bundle}@${c.version} (${c.members.length})` : `${c.type} ${c.bundle}`;

async function run(steps: Step[]) {
  const changes: string[] = [];
  const warnings: string[] = [];
  const index = new InventoryIndex({
    cluster: 'c1',
    tracks: (b) => b !== 'untracked',
    loadDesired: async ({ digest }) => {
      if (!contents[digest]) throw new Error(`${digest} unavailable`);
      return contents[digest].map((object) => ({ object }));
    },
    onChange: (c) => void changes.push(say(c)),
    onWarn: (m) => void warnings.push(m),
  });
  for (const s of steps)
    await index.apply(s.items.map(assembleInventoryObject), {
      full: s.full ?? false,
      ...(s.deleted ? { deleted: true } : {}),
      signal: new AbortController().signal,
    });
  return { index, changes, warnings };
}

describe('InventoryIndex', () => {
  it.each<[string, Step[], string[], { running: string[]; present: string[] }]>([
    [
      'a bundle seen for the first time',
      [{ items: [inv('web', '1')] }],
      ['version web@1 (1)'],
      { running: ['web@1'], present: ['web'] },
    ],
    [
      'a release in flight, then ended on the same version',
      [{ items: [inv('web', '1')] }, { items: [inv('web', '1', '2')] }, { items: [inv('web', '1')] }],
      ['version web@1 (1)', 'settled web'],
      { running: ['web@1'], present: ['web'] },
    ],
    [
      'a release in flight stays pending',
      [{ items: [inv('web', '1')] }, { items: [inv('web', '1', '2')] }],
      ['version web@1 (1)'],
      { running: ['web@1 pending'], present: ['web'] },
    ],
    [
      'moved to another version',
      [{ items: [inv('web', '1')] }, { items: [inv('web', '2')] }],
      ['version web@1 (1)', 'version web@2 (3)'],
      { running: ['web@2'], present: ['web'] },
    ],
    [
      'a first release in flight: present, nothing to judge',
      [{ items: [inv('web', null, '1')] }],
      [],
      { running: [], present: ['web'] },
    ],
    [
      'rolled away to nothing',
      [{ items: [inv('web', '1')] }, { items: [inv('web', null)] }],
      ['version web@1 (1)', 'gone web'],
      { running: [], present: [] },
    ],
    [
      'its inventory deleted',
      [{ items: [inv('web', '1')] }, { items: [inv('web', '1')], deleted: true }],
      ['version web@1 (1)', 'gone web'],
      { running: [], present: [] },
    ],
    [
      'missing from a full list',
      [{ items: [inv('web', '1'), inv('api', '1')] }, { items: [inv('api', '1')], full: true }],
      ['version web@1 (1)', 'version api@1 (1)', 'gone web'],
      { running: ['api@1'], present: ['api'] },
    ],
    ['a bundle not tracked here', [{ items: [inv('untracked', '1')] }], [], { running: [], present: [] }],
    [
      'its content out of reach: present, not judged',
      [{ items: [inv('web', 'down')] }],
      [],
      { running: [], present: ['web'] },
    ],
  ])('%s', async (_what, steps, changes, want) => {
    const r = await run(steps);
    expect(r.changes).toEqual(changes);
    expect(r.index.running().map((x) => `${x.bundle}@${x.version}${x.pending ? ' pending' : ''}`)).toEqual(
      want.running,
    );
    expect(r.index.present()).toEqual(want.present);
  });

  it('indexes members by identity, with the types to watch and the paths a bundle hands to its autoscaler', async () => {
    const { index } = await run([{ items: [inv('web', '2'), inv('api', '1')] }]);
    expect(
      index.ownersOf({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'cfg' }).map((e) => e.bundle),
    ).toEqual(['web', 'api']);
    expect(index.ownersOf({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'other' })).toEqual([]);
    expect([...index.types().keys()]).toEqual([
      'v1|ConfigMap',
      'apps/v1|Deployment',
      'autoscaling/v2|HorizontalPodAutoscaler',
    ]);
    expect(index.desiredOf('web', 'Deployment/shop/web')?.ignore).toEqual(['spec.replicas']);
    expect(index.desiredOf('web', 'ConfigMap/shop/cfg')?.ignore).toEqual([]);
    expect(index.memberCount()).toBe(4);
    expect(index.members().map((e) => `${e.bundle} ${e.member.kind}`)).toEqual([
      'web ConfigMap',
      'api ConfigMap',
      'web Deployment',
      'web HorizontalPodAutoscaler',
    ]);
  });

  it('says why a bundle could not be judged until its content loads', async () => {
    const { index, warnings } = await run([{ items: [inv('web', 'down')] }]);
    expect(index.unjudged()).toEqual([{ bundle: 'web', reason: 'sha256:down unavailable' }]);
    expect(warnings).toEqual(['web: not judged: sha256:down unavailable']);
    await index.apply([assembleInventoryObject(inv('web', '1'))], {
      full: false,
      signal: new AbortController().signal,
    });
    expect(index.unjudged()).toEqual([]);
  });
});

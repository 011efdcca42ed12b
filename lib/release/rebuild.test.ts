import { describe, expect, it } from 'vitest';
import { keyOf, type KubeObject } from '../object/ref.ts';
import type { ReleaseStep } from '../state/releases.ts';
import { createdInJournal, rebuildEntries } from './rebuild.ts';

const cm = (name: string, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'shop', ...(labels ? { labels } : {}) },
});
const step = (data: unknown): ReleaseStep =>
  ({ seq: 1, at: 't', state: 'verifying', message: '', data }) as ReleaseStep;

describe('createdInJournal', () => {
  it('collects the refs change sets record as created, and nothing else', () => {
    const steps = [
      step({
        changed: [
          { ref: 'ConfigMap/shop/a', action: 'created' },
          { ref: 'ConfigMap/shop/b', action: 'configured' },
        ],
      }),
      step({ changed: [{ ref: 'ConfigMap/shop/c', action: 'created' }] }),
      step(undefined),
      step({ plan: {} }),
    ];
    expect([...createdInJournal(steps)].sort()).toEqual(['ConfigMap/shop/a', 'ConfigMap/shop/c']);
  });
});

describe('rebuildEntries', () => {
  const members = [cm('made'), cm('found'), cm('shared'), cm('unlabelled'), cm('absent')];
  const live = new Map<string, KubeObject | null>([
    [keyOf(cm('made')), cm('made', { 'drover.dev/bundle': 'web' })],
    [keyOf(cm('found')), cm('found', { 'drover.dev/bundle': 'web' })],
    [keyOf(cm('shared')), cm('shared', { 'drover.dev/bundle.web': 'true', 'drover.dev/bundle.api': 'true' })],
    [keyOf(cm('unlabelled')), cm('unlabelled', { 'drover.dev/bundle': 'api' })],
    [keyOf(cm('absent')), null],
  ]);
  it('created only with the journal as proof; otherwise adopted with its prior state unknown; unlabelled and absent left out', () => {
    const entries = rebuildEntries({
      bundle: 'web',
      members,
      live,
      created: new Set(['ConfigMap/shop/made', 'ConfigMap/shop/shared']),
    });
    expect(entries.map((e) => [e.name, e.origin, e.priorUnknown ?? false, e.createdByDrover ?? false])).toEqual([
      ['made', 'created', false, false],
      ['found', 'adopted', true, false],
      ['shared', 'shared', false, true],
    ]);
  });
});

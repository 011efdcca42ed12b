import { describe, expect, it } from 'vitest';
import { formatRef } from '../object/ref.ts';
import { loadObjects } from '../object/yaml.ts';
import { detectChanges, type Changes } from './changes.ts';
import { discoverBundles } from './discover.ts';

const bundleDoc = `apiVersion: drover.dev/v1alpha1
kind: Bundle
metadata: {name: web}
spec: {roots: [{kind: Deployment, name: api, namespace: web}]}
`;
const deployment = (image: string, comment = '') => `${comment}apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec: {template: {spec: {containers: [{name: api, image: "${image}", envFrom: [{configMapRef: {name: api-env}}]}]}}}
`;
const configMap = (mode: string) => `apiVersion: v1
kind: ConfigMap
metadata: {name: api-env, namespace: web}
data: {MODE: ${mode}}
`;
const other = `apiVersion: drover.dev/v1alpha1
kind: Bundle
metadata: {name: jobs}
spec: {roots: [{kind: Job, name: nightly, namespace: ops}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: nightly, namespace: ops}
spec: {template: {spec: {containers: [{name: c}]}}}
`;

function repo(files: Partial<Record<string, string>>) {
  return discoverBundles({
    objects: loadObjects({ files: Object.entries(files).map(([path, text]) => ({ path, text: text ?? '' })) }),
  }).bundles;
}

function summarize(c: Changes) {
  return {
    affected: c.affected.map((b) => ({
      name: b.name,
      status: b.status,
      added: b.added.map((m) => formatRef(m.ref)),
      removed: b.removed.map((m) => formatRef(m.ref)),
      changed: b.changed.map((m) => formatRef(m.ref)),
      changedPaths: b.changedPaths,
    })),
    touchedUnchanged: c.touchedUnchanged,
    removedBundles: c.removedBundles,
  };
}

const base = {
  'bundle.yaml': bundleDoc,
  'deploy.yaml': deployment('api:1'),
  'cm.yaml': configMap('prod'),
  'jobs.yaml': other,
};

describe('detectChanges', () => {
  it.each([
    {
      name: 'a changed ConfigMap changes its bundle only',
      after: { ...base, 'cm.yaml': configMap('dev') },
      changedPaths: ['cm.yaml'],
      expected: {
        affected: [
          {
            name: 'web',
            status: 'changed',
            added: [],
            removed: [],
            changed: ['ConfigMap/web/api-env'],
            changedPaths: ['cm.yaml'],
          },
        ],
        touchedUnchanged: [],
        removedBundles: [],
      },
    },
    {
      name: 'a comment-only change affects nothing',
      after: { ...base, 'deploy.yaml': deployment('api:1', '# new comment\n') },
      changedPaths: ['deploy.yaml'],
      expected: {
        affected: [],
        touchedUnchanged: [{ name: 'web', changedPaths: ['deploy.yaml'] }],
        removedBundles: [],
      },
    },
    {
      name: 'a member dropped and a member changed',
      after: {
        'bundle.yaml': bundleDoc,
        'deploy.yaml': deployment('api:2').replace(', envFrom: [{configMapRef: {name: api-env}}]', ''),
        'cm.yaml': configMap('prod'),
        'jobs.yaml': other,
      },
      changedPaths: ['deploy.yaml'],
      expected: {
        affected: [
          {
            name: 'web',
            status: 'changed',
            added: [],
            removed: ['ConfigMap/web/api-env'],
            changed: ['Deployment/web/api'],
            changedPaths: ['deploy.yaml'],
          },
        ],
        touchedUnchanged: [],
        removedBundles: [],
      },
    },
    {
      name: 'a new bundle and a removed one',
      after: {
        'bundle.yaml': bundleDoc,
        'deploy.yaml': deployment('api:1'),
        'cm.yaml': configMap('prod'),
        'batch.yaml': other.replaceAll('jobs', 'batch'),
      },
      changedPaths: ['jobs.yaml', 'batch.yaml'],
      expected: {
        affected: [
          {
            name: 'batch',
            status: 'added',
            added: ['Job/ops/nightly'],
            removed: [],
            changed: [],
            changedPaths: ['batch.yaml'],
          },
        ],
        touchedUnchanged: [],
        removedBundles: ['jobs'],
      },
    },
    {
      name: 'a file moved without content change affects nothing',
      after: {
        'bundle.yaml': bundleDoc,
        'apps/deploy.yaml': deployment('api:1'),
        'cm.yaml': configMap('prod'),
        'jobs.yaml': other,
      },
      changedPaths: ['deploy.yaml', 'apps/deploy.yaml'],
      expected: {
        affected: [],
        touchedUnchanged: [{ name: 'web', changedPaths: ['apps/deploy.yaml', 'deploy.yaml'] }],
        removedBundles: [],
      },
    },
  ])('$name', ({ after, changedPaths, expected }) => {
    expect(summarize(detectChanges({ previous: repo(base), current: repo(after), changedPaths }))).toEqual(expected);
  });

  it('with no previous cut, every bundle is new', () => {
    expect(
      detectChanges({ current: repo(base), changedPaths: [] }).affected.map((b) => [b.name, b.status, b.added.length]),
    ).toEqual([
      ['jobs', 'added', 1],
      ['web', 'added', 2],
    ]);
  });
});

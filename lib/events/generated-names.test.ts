import { describe, expect, it } from 'vitest';
import { childKindsOf, isGeneratedChildName } from './generated-names.ts';

const cases: [string, { group: string; kind: string; name: string }, { kind: string; name: string }, boolean][] = [
  [
    'ReplicaSet of a Deployment',
    { group: 'apps', kind: 'Deployment', name: 'web' },
    { kind: 'ReplicaSet', name: 'web-d7b5b5c65' },
    true,
  ],
  [
    'Pod of a Deployment through a gone ReplicaSet',
    { group: 'apps', kind: 'Deployment', name: 'web' },
    { kind: 'Pod', name: 'web-d7b5b5c65-rqv8b' },
    true,
  ],
  [
    'Pod of a ReplicaSet',
    { group: 'apps', kind: 'ReplicaSet', name: 'web-d7b5b5c65' },
    { kind: 'Pod', name: 'web-d7b5b5c65-rqv8b' },
    true,
  ],
  [
    'a Deployment named web-api is not a ReplicaSet of web',
    { group: 'apps', kind: 'Deployment', name: 'web' },
    { kind: 'ReplicaSet', name: 'web-api' },
    false,
  ],
  [
    'vowels never appear in generated suffixes',
    { group: 'apps', kind: 'ReplicaSet', name: 'web-d7b5b5c65' },
    { kind: 'Pod', name: 'web-d7b5b5c65-abcde' },
    false,
  ],
  [
    'suffix of the wrong length',
    { group: 'apps', kind: 'ReplicaSet', name: 'web-d7b5b5c65' },
    { kind: 'Pod', name: 'web-d7b5b5c65-rqv8' },
    false,
  ],
  [
    'ReplicaSet of a Deployment with a dashed name',
    { group: 'apps', kind: 'Deployment', name: 'web-api' },
    { kind: 'ReplicaSet', name: 'web-api-6b8f9d7c4d' },
    true,
  ],
  [
    'a Pod of web-api is not a Pod of web',
    { group: 'apps', kind: 'Deployment', name: 'web' },
    { kind: 'Pod', name: 'web-api-6b8f9d7c4d-x2k9p' },
    false,
  ],
  [
    'StatefulSet Pods carry an ordinal',
    { group: 'apps', kind: 'StatefulSet', name: 'db' },
    { kind: 'Pod', name: 'db-12' },
    true,
  ],
  [
    'StatefulSet Pods never a random suffix',
    { group: 'apps', kind: 'StatefulSet', name: 'db' },
    { kind: 'Pod', name: 'db-x2k9p' },
    false,
  ],
  ['DaemonSet Pod', { group: 'apps', kind: 'DaemonSet', name: 'agent' }, { kind: 'Pod', name: 'agent-x2k9p' }, true],
  ['Job Pod', { group: 'batch', kind: 'Job', name: 'migrate' }, { kind: 'Pod', name: 'migrate-x2k9p' }, true],
  [
    'CronJob Job: the scheduled minute',
    { group: 'batch', kind: 'CronJob', name: 'report' },
    { kind: 'Job', name: 'report-29412345' },
    true,
  ],
  [
    'CronJob Pod through a gone Job',
    { group: 'batch', kind: 'CronJob', name: 'report' },
    { kind: 'Pod', name: 'report-29412345-x2k9p' },
    true,
  ],
  [
    'a kind in another group creates nothing',
    { group: 'example.com', kind: 'Deployment', name: 'web' },
    { kind: 'ReplicaSet', name: 'web-d7b5b5c65' },
    false,
  ],
  [
    'a ConfigMap creates nothing',
    { group: '', kind: 'ConfigMap', name: 'web' },
    { kind: 'Pod', name: 'web-x2k9p' },
    false,
  ],
];

describe('isGeneratedChildName', () => {
  it.each(cases)('%s', (_name, owner, child, want) => expect(isGeneratedChildName({ owner, child })).toBe(want));
});

describe('childKindsOf', () => {
  it.each([
    [{ group: 'apps', kind: 'Deployment' }, ['ReplicaSet', 'Pod']],
    [{ group: 'batch', kind: 'CronJob' }, ['Job', 'Pod']],
    [{ group: 'apps', kind: 'StatefulSet' }, ['Pod']],
    [{ group: '', kind: 'Service' }, []],
  ])('%o -> %o', (owner, want) => expect(childKindsOf(owner)).toEqual(want));
});

import { describe, expect, it } from 'vitest';
import { formatRef } from '../../object/ref.ts';
import type { UnresolvedReference } from '../discover.ts';
import type { ObjectSelector } from '../selector.ts';
import { unresolvedReference } from './unresolved-reference.ts';

const from = { group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web' };
const secret: UnresolvedReference = {
  from,
  via: 'envFrom',
  target: { group: '', kind: 'Secret', namespace: 'shop', name: 'web-tls' },
};
const target: UnresolvedReference = {
  from: { group: 'autoscaling', kind: 'HorizontalPodAutoscaler', namespace: 'shop', name: 'web' },
  via: 'scaleTargetRef',
  target: { group: undefined, kind: 'Deployment', namespace: 'shop', name: 'gone' },
};
const messages = (unresolved: UnresolvedReference[], exclude: ObjectSelector[] = []) =>
  unresolvedReference.check({ objects: [], unresolved, exclude }).map((f) => `${formatRef(f.ref)}: ${f.message}`);

describe('unresolved-reference', () => {
  it('has a stable id', () => expect(unresolvedReference.id).toBe('unresolved-reference'));

  it.each([
    [
      'flags a reference to an object not in the repository, naming both ends once',
      [secret],
      [],
      [
        'Deployment/shop/web: references Secret/shop/web-tls (envFrom), which is not in the repository: it must already exist wherever the bundle is deployed (list it in spec.exclude when something else manages it)',
      ],
    ],
    [
      'a target of any group (no apiVersion given)',
      [target],
      [],
      [
        'HorizontalPodAutoscaler/shop/web: references Deployment/shop/gone (scaleTargetRef), which is not in the repository: it must already exist wherever the bundle is deployed (list it in spec.exclude when something else manages it)',
      ],
    ],
    ['not when spec.exclude declares the target lives elsewhere', [secret], [{ kind: 'Secret', name: 'web-*' }], []],
    [
      'an exclude of another kind does not hide it',
      [secret],
      [{ kind: 'ConfigMap', name: 'web-tls' }],
      [
        'Deployment/shop/web: references Secret/shop/web-tls (envFrom), which is not in the repository: it must already exist wherever the bundle is deployed (list it in spec.exclude when something else manages it)',
      ],
    ],
  ] as [string, UnresolvedReference[], ObjectSelector[], string[]][])('%s', (_name, unresolved, exclude, expected) => {
    expect(messages(unresolved, exclude)).toEqual(expected);
  });
});

import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../object/ref.ts';
import { applyTargetPatches, mergePatch } from './patch.ts';

const dep: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop' },
  spec: { replicas: 1, template: { spec: { containers: [{ name: 'web', image: 'a' }] } } },
};
const cm: KubeObject = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'web-config', namespace: 'shop' },
  data: { LOG_LEVEL: 'info', DEBUG: '1' },
};

describe('mergePatch (RFC 7386 appendix A)', () => {
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j + %j = %j', (target, patch, result) => expect(mergePatch(target, patch)).toEqual(result));
});

describe('applyTargetPatches', () => {
  it('patches the one member each target selects, leaving the input as it was', () => {
    const out = applyTargetPatches({
      members: [dep, cm],
      patches: [
        { target: { kind: 'Deployment', name: 'web' }, merge: { spec: { replicas: 3 } } },
        {
          target: { kind: 'ConfigMap' },
          json: [
            { op: 'replace', path: '/data/LOG_LEVEL', value: 'warn' },
            { op: 'remove', path: '/data/DEBUG' },
          ],
        },
      ],
      where: 'bundle web, target prod',
    });
    expect((out[0]!.spec as { replicas: number }).replicas).toBe(3);
    expect(out[1]!.data).toEqual({ LOG_LEVEL: 'warn' });
    expect((dep.spec as { replicas: number }).replicas).toBe(1);
    expect(cm.data).toEqual({ LOG_LEVEL: 'info', DEBUG: '1' });
  });

  it.each([
    [
      'a target that matches nothing',
      { target: { kind: 'Service' }, merge: {} },
      /bundle web, target prod: patches\[0\]: its target matches no member; it must match exactly one/,
    ],
    [
      'a target that matches several',
      { target: { namespace: 'shop' }, merge: {} },
      /matches 2 members \(Deployment\/shop\/web, ConfigMap\/shop\/web-config\)/,
    ],
    [
      'a failing test operation',
      { target: { kind: 'ConfigMap' }, json: [{ op: 'test', path: '/data/LOG_LEVEL', value: 'debug' }] },
      /patches\[0\] \(ConfigMap\/shop\/web-config\): Test operation failed/,
    ],
    [
      'a path that is not there',
      { target: { kind: 'ConfigMap' }, json: [{ op: 'replace', path: '/data/NOPE/x', value: 1 }] },
      /patches\[0\] \(ConfigMap\/shop\/web-config\)/,
    ],
    [
      'a rename',
      { target: { kind: 'ConfigMap' }, merge: { metadata: { name: 'other' } } },
      /a patch may not change what it patches \(ConfigMap\/shop\/web-config became ConfigMap\/shop\/other\)/,
    ],
  ])('refuses %s', (_name, patch, message) => {
    expect(() =>
      applyTargetPatches({ members: [dep, cm], patches: [patch as never], where: 'bundle web, target prod' }),
    ).toThrow(message);
  });
});

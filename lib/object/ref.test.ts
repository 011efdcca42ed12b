import { describe, expect, it } from 'vitest';

import { formatRef, groupOf, refKey, refOf, sameRef } from './ref.ts';

describe('object refs', () => {
  it.each([
    ['apps/v1', 'apps'],
    ['v1', ''],
    ['networking.k8s.io/v1', 'networking.k8s.io'],
  ])('groupOf(%s) = %j', (apiVersion, group) => {
    expect(groupOf(apiVersion)).toBe(group);
  });

  it.each([
    [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'web' } }, 'Deployment/web/api'],
    [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } }, 'Namespace/web'],
  ])('formats %j as %s', (obj, text) => {
    expect(formatRef(refOf(obj))).toBe(text);
  });

  it('distinguishes kinds that share a name across groups', () => {
    const a = refOf({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'x', namespace: 'n' } });
    const b = refOf({ apiVersion: 'extensions/v1beta1', kind: 'Ingress', metadata: { name: 'x', namespace: 'n' } });
    expect(formatRef(a)).toBe(formatRef(b));
    expect(refKey(a)).not.toBe(refKey(b));
    expect(sameRef(a, a)).toBe(true);
    expect(sameRef(a, b)).toBe(false);
  });
});

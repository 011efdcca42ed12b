import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import schema from '../../../schemas/bundle.schema.json' with { type: 'json' };
import { formatRef, type KubeObject } from '../../object/ref.ts';
import { LINT_RULES, runLint } from './index.ts';

const objects = parseAllDocuments(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: b, namespace: web}
spec: {replicas: 2, template: {metadata: {labels: {app: b}}, spec: {containers: [{name: c}]}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: a, namespace: web}
spec: {replicas: 2, template: {metadata: {labels: {app: a}}, spec: {containers: [{name: c, readinessProbe: {tcpSocket: {port: 80}}}]}}}
`).map((d) => d.toJS() as KubeObject);

describe('runLint', () => {
  it('applies severities per rule: default warning, off skipped, error kept; sorted by rule then object', () => {
    const findings = runLint({
      objects,
      severities: { 'missing-readiness-probe': 'error', 'replicas-without-spread': 'off' },
    });
    expect(findings.map((f) => [f.rule, f.severity, formatRef(f.ref)])).toEqual([
      ['missing-readiness-probe', 'error', 'Deployment/web/b'],
      ['missing-resource-requests', 'warning', 'Deployment/web/a'],
      ['missing-resource-requests', 'warning', 'Deployment/web/b'],
    ]);
  });

  it('rule ids are unique kebab-case and match the Bundle schema', () => {
    const ids = LINT_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z]+(-[a-z]+)*$/);
    expect([...schema.properties.spec.properties.lint.propertyNames.enum].sort()).toEqual([...ids].sort());
  });
});

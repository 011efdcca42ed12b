/**
 * A member references an object (a Secret, a ConfigMap, a ServiceAccount...)
 * that is not in the repository: the bundle can only become healthy where
 * that object already exists, and nothing in Git says so. A reference whose
 * target matches the bundle's `spec.exclude` is declared to live elsewhere
 * and is not flagged.
 */
import { formatRef } from '../../object/ref.ts';
import { matchesAnyObjectSelector } from '../selector.ts';
import type { LintRule } from './rule.ts';

export const unresolvedReference: LintRule = {
  id: 'unresolved-reference',
  description: 'A member references an object that is not in the repository.',
  check: ({ unresolved = [], exclude = [] }) =>
    unresolved
      .filter((u) => {
        const t = u.target;
        const stub = {
          apiVersion: t.group ? `${t.group}/v1` : 'v1',
          kind: t.kind,
          metadata: { name: t.name, ...(t.namespace ? { namespace: t.namespace } : {}) },
        };
        return !matchesAnyObjectSelector({ selectors: exclude, object: stub });
      })
      .map((u) => ({
        rule: 'unresolved-reference',
        severity: 'warning' as const,
        ref: u.from,
        message: `references ${formatRef(u.target)} (${u.via}), which is not in the repository: it must already exist wherever the bundle is deployed (list it in spec.exclude when something else manages it)`,
      })),
};

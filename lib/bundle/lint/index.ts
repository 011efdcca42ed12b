/**
 * The built-in practice rules and the runner that applies a bundle's
 * severities (`spec.lint`: off | warning | error; default warning) to them.
 *
 * @example
 *   const findings = runLint({ objects: members.map((m) => m.object), severities: bundle.spec.lint });
 *   findings.some((f) => f.severity === 'error') // => refuse to cut
 */
import { formatRef, type KubeObject } from '../../object/ref.ts';
import { missingReadinessProbe } from './missing-readiness-probe.ts';
import { missingResourceRequests } from './missing-resource-requests.ts';
import { priorityClassWithoutRequests } from './priority-class-without-requests.ts';
import { replicasWithoutSpread } from './replicas-without-spread.ts';
import type { LintContext, LintFinding, LintRule } from './rule.ts';
import { servingWithoutGracefulShutdown } from './serving-without-graceful-shutdown.ts';
import { singleReplicaWithoutPdb } from './single-replica-without-pdb.ts';
import { spotTolerationWithoutSpread } from './spot-toleration-without-spread.ts';
import { unresolvedReference } from './unresolved-reference.ts';

export type { LintFinding, LintRule, Severity } from './rule.ts';

/** Every built-in rule, in the order findings are reported. */
export const LINT_RULES: readonly LintRule[] = [
  missingReadinessProbe,
  missingResourceRequests,
  priorityClassWithoutRequests,
  servingWithoutGracefulShutdown,
  singleReplicaWithoutPdb,
  replicasWithoutSpread,
  spotTolerationWithoutSpread,
  unresolvedReference,
];

/** Runs every rule over one bundle's members; `off` rules are skipped, others take the bundle's severity. Sorted by rule, then object. */
export function runLint({
  objects,
  unresolved = [],
  exclude = [],
  severities = {},
}: {
  objects: readonly KubeObject[];
  unresolved?: LintContext['unresolved'];
  exclude?: LintContext['exclude'];
  severities?: Readonly<Record<string, 'off' | 'warning' | 'error'>>;
}): LintFinding[] {
  const out: LintFinding[] = [];
  for (const rule of LINT_RULES) {
    const severity = severities[rule.id] ?? 'warning';
    if (severity === 'off') continue;
    const findings = rule.check({ objects, unresolved, exclude }).map((f) => ({ ...f, severity }));
    findings.sort((a, b) => (formatRef(a.ref) < formatRef(b.ref) ? -1 : formatRef(a.ref) > formatRef(b.ref) ? 1 : 0));
    out.push(...findings);
  }
  return out;
}

/**
 * `drover lint [--bundle B]`: the built-in practice rules over each bundle at
 * its source's head, at the severities its Bundle document sets, on every
 * target as `cut` lints them (a prod-only PodDisruptionBudget, a rule that
 * fires for one target only). A finding every target shares is listed once;
 * one some targets have names its target. A bundle that cannot be rendered
 * is an error finding of rule `render`.
 */
import { runLint } from '../bundle/lint/index.ts';
import { formatRef } from '../object/ref.ts';
import { discoverAtHead } from '../repo/discover-at-head.ts';
import type { Workspace } from '../workspace/workspace.ts';

export interface LintView {
  bundle: string;
  /** The target the finding is of; absent when every target has it. */
  target?: string;
  rule: string;
  severity: 'warning' | 'error';
  ref: string;
  message: string;
}

export async function lintView({
  ws,
  bundle,
  signal,
}: {
  ws: Workspace;
  bundle?: string;
  signal?: AbortSignal;
}): Promise<LintView[]> {
  const all = await discoverAtHead({
    ws,
    ...(bundle ? { bundle } : {}),
    signal,
  });
  return all.flatMap((s) =>
    s.bundles.flatMap((b): LintView[] => {
      if (b.error || !b.targets)
        return [
          {
            bundle: b.bundle.name,
            rule: 'render',
            severity: 'error',
            ref: `Bundle/${b.bundle.name}`,
            message: b.error?.message ?? 'no members',
          },
        ];
      const byFinding = new Map<string, { view: LintView; targets: (string | undefined)[] }>();
      for (const t of b.targets) {
        for (const f of runLint({
          objects: t.members.map((m) => m.object),
          unresolved: t.unresolved,
          exclude: b.bundle.spec.exclude,
          severities: b.bundle.spec.lint,
        })) {
          const view: LintView = {
            bundle: b.bundle.name,
            rule: f.rule,
            severity: f.severity,
            ref: formatRef(f.ref),
            message: f.message,
          };
          const key = JSON.stringify(view);
          byFinding.set(key, { view, targets: [...(byFinding.get(key)?.targets ?? []), t.name] });
        }
      }
      return [...byFinding.values()].flatMap(({ view, targets }) =>
        targets.length === b.targets!.length ? [view] : targets.map((t) => ({ ...view, ...(t ? { target: t } : {}) })),
      );
    }),
  );
}

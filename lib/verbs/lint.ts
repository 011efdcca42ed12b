/**
 * `drover lint [--bundle B]`: the built-in practice rules over each bundle at
 * its source's head, at the severities its Bundle document sets.
 */
import { runLint } from '../bundle/lint/index.ts';
import { formatRef } from '../object/ref.ts';
import { discoverAtHead } from '../workspace/discover-at-head.ts';
import type { Workspace } from '../workspace/workspace.ts';

export interface LintView {
  bundle: string;
  rule: string;
  severity: 'warning' | 'error';
  ref: string;
  message: string;
}

export async function lintView({ ws, bundle, env, signal }: { ws: Workspace; bundle?: string; env?: NodeJS.ProcessEnv; signal?: AbortSignal }): Promise<LintView[]> {
  const all = await discoverAtHead({ ws, ...(env ? { env } : {}), ...(signal ? { signal } : {}) });
  return all.flatMap((s) =>
    s.bundles
      .filter((b) => !bundle || b.bundle.name === bundle)
      .flatMap((b) => runLint({ objects: b.members.map((m) => m.object), unresolved: b.unresolved, exclude: b.bundle.spec.exclude, severities: b.bundle.spec.lint }).map((f) => ({ bundle: b.bundle.name, rule: f.rule, severity: f.severity, ref: formatRef(f.ref), message: f.message }))),
  );
}

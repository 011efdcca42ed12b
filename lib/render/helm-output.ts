/**
 * What `helm template` wrote, read as files: Helm heads every document with
 * `# Source: <chart>/templates/<file>`, so the documents are grouped by the
 * template they came from, and an error in one names that template. And the
 * determinism check: two renders of one target must give the same objects;
 * the objects that differ are named with their templates and the fields
 * that differ (never their values: they may be generated secrets). Pure.
 *
 * @example
 *   helmSources('---\n# Source: web/templates/cm.yaml\nkind: ConfigMap\n')
 *   // => [{ path: 'web/templates/cm.yaml', text: '---\n# Source: web/templates/cm.yaml\nkind: ConfigMap\n' }]
 */
import { diffObjects } from '../bundle/diff.ts';
import { contentDigest } from '../object/canonical.ts';
import { formatRef, refKey } from '../object/ref.ts';
import type { LoadedObject } from '../object/yaml.ts';

/** The output's documents grouped by their `# Source:` template, in order of first appearance. */
export function helmSources(output: string): { path: string; text: string }[] {
  const groups = new Map<string, string[]>();
  for (const doc of output.split(/^---[ \t]*$/m)) {
    if (doc.trim() === '') continue;
    const path = /^# Source: (.+)$/m.exec(doc)?.[1]?.trim() ?? '(helm template)';
    groups.set(path, [...(groups.get(path) ?? []), `---${doc.startsWith('\n') ? '' : '\n'}${doc}`]);
  }
  return [...groups].map(([path, docs]) => ({ path, text: docs.join('') }));
}

export interface RenderDifference {
  ref: string;
  template: string;
  /** Field paths that differ; empty when the object is in one render only. */
  fields: string[];
}

/** The objects two renders of one target disagree on (empty: the renders are the same). */
export function renderDifferences(a: readonly LoadedObject[], b: readonly LoadedObject[]): RenderDifference[] {
  const byKey = (xs: readonly LoadedObject[]) => new Map(xs.map((o) => [refKey(o.ref), o]));
  const first = byKey(a);
  const second = byKey(b);
  const out: RenderDifference[] = [];
  for (const key of new Set([...first.keys(), ...second.keys()])) {
    const x = first.get(key);
    const y = second.get(key);
    const some = (x ?? y)!;
    if (x && y && contentDigest(x.object) === contentDigest(y.object)) continue;
    const fields = x && y ? [...new Set(diffObjects({ before: x.object, after: y.object }).map((c) => c.path))] : [];
    out.push({ ref: formatRef(some.ref), template: some.file, fields });
  }
  return out.sort((p, q) => (p.ref < q.ref ? -1 : p.ref > q.ref ? 1 : 0));
}

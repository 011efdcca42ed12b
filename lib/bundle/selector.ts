/**
 * Matching objects: Kubernetes label selectors (Service `spec.selector` maps,
 * and `matchLabels` / `matchExpressions` of PDBs and NetworkPolicies) and
 * Drover's own object selectors from Bundle documents (`include`, `exclude`,
 * `shared`).
 *
 * @example
 *   matchesLabelSelector({ selector: { matchLabels: { app: 'api' } }, labels: { app: 'api', tier: 'web' } }) // => true
 */
import { groupOf, type KubeObject } from '../object/ref.ts';

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** A selector from a Bundle document: every field given must match. */
export interface ObjectSelector {
  apiVersion?: string;
  kind?: string;
  /** `*` matches any run of characters. */
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
}

/** A Service-style selector (plain map): matches when every pair is present. An empty map matches nothing. */
export function matchesSelectorMap({
  selector,
  labels,
}: {
  selector: Record<string, string> | undefined;
  labels: Record<string, string>;
}): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** True when the selector selects nothing in particular (no labels and no expressions), i.e. every pod in its namespace. */
export function isEmptyLabelSelector(selector: LabelSelector | undefined): boolean {
  return (
    !selector ||
    (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)
  );
}

/** A metav1.LabelSelector. An empty selector matches everything, as in Kubernetes; callers that must not claim by it check `isEmptyLabelSelector`. */
export function matchesLabelSelector({
  selector,
  labels,
}: {
  selector: LabelSelector | undefined;
  labels: Record<string, string>;
}): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const req of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, req.key);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!has || !values.includes(labels[req.key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[req.key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .split('*')
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}

/** True when `obj` matches every field of the Bundle-document selector. */
export function matchesObjectSelector({ selector, object }: { selector: ObjectSelector; object: KubeObject }): boolean {
  if (selector.apiVersion !== undefined && groupOf(selector.apiVersion) !== groupOf(object.apiVersion)) return false;
  if (selector.kind !== undefined && selector.kind !== object.kind) return false;
  if (selector.namespace !== undefined && selector.namespace !== (object.metadata.namespace ?? '')) return false;
  if (selector.name !== undefined && !globToRegExp(selector.name).test(object.metadata.name)) return false;
  if (selector.labels !== undefined) {
    const labels = object.metadata.labels ?? {};
    if (!Object.entries(selector.labels).every(([k, v]) => labels[k] === v)) return false;
  }
  return true;
}

/** True when any selector matches. */
export function matchesAnyObjectSelector({
  selectors,
  object,
}: {
  selectors: readonly ObjectSelector[];
  object: KubeObject;
}): boolean {
  return selectors.some((selector) => matchesObjectSelector({ selector, object }));
}

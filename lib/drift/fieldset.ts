/**
 * Reads `metadata.managedFields`: each entry's `fieldsV1` is a trie of path
 * elements (`f:<field>`, `k:<json key of a list item>`, `v:<json set value>`,
 * `i:<index>`), where `.` marks the node itself as owned and `{}` is an
 * owned leaf. An owned leaf that has children in the object (an atomic map
 * or list, e.g. a Deployment's `spec.selector`) owns everything under it.
 * Pure: objects in, tries out.
 *
 * @example
 *   const sets = managerSets(live);
 *   ownsPath(sets.find((s) => s.manager === 'drover')!.set, [{ field: 'spec' }, { field: 'replicas' }]);
 */
import { stableStringify } from '../object/canonical.ts';
import type { KubeObject } from '../object/ref.ts';

/** One step of a field path, as managedFields spell it. */
export type PathElement = { field: string } | { key: Record<string, unknown> } | { value: unknown } | { index: number };

export interface FieldNode {
  /** Child element (`f:name`, `k:{canonical json}`, `v:canonical json`, `i:n`) to its node. */
  children: Map<string, FieldNode>;
  /** The node itself is in the set (`.` present, or a leaf). */
  member: boolean;
  /** Written as `{}`: an owned leaf, which owns whatever lies beneath it in the object. */
  leaf: boolean;
}

export interface ManagerSet {
  manager: string;
  operation: string;
  subresource: string;
  set: FieldNode;
}

const emptyNode = (): FieldNode => ({ children: new Map(), member: false, leaf: false });

/** The trie key of a path element; keyed items and set values in canonical JSON so lookups match. */
export function elementKey(e: PathElement): string {
  if ('field' in e) return `f:${e.field}`;
  if ('key' in e) return `k:${stableStringify(e.key)}`;
  if ('value' in e) return `v:${stableStringify(e.value)}`;
  return `i:${e.index}`;
}

function normalizeKey(raw: string): string {
  const kind = raw.slice(0, 2);
  if (kind !== 'k:' && kind !== 'v:') return raw;
  try {
    return `${kind}${stableStringify(JSON.parse(raw.slice(2)))}`;
  } catch {
    return raw;
  }
}

/** Parses one `fieldsV1` object. Anything that is not an object parses as the empty set. */
export function parseFieldsV1(raw: unknown): FieldNode {
  const node = emptyNode();
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return node;
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length === 0) {
    node.member = true;
    node.leaf = true;
    return node;
  }
  for (const [k, v] of entries) {
    if (k === '.') node.member = true;
    else node.children.set(normalizeKey(k), parseFieldsV1(v));
  }
  return node;
}

/** Every managedFields entry of an object with its parsed set. */
export function managerSets(obj: KubeObject): ManagerSet[] {
  const entries = obj.metadata.managedFields;
  if (!Array.isArray(entries)) return [];
  return entries.map((e: Record<string, unknown>) => ({
    manager: typeof e.manager === 'string' ? e.manager : '',
    operation: typeof e.operation === 'string' ? e.operation : '',
    subresource: typeof e.subresource === 'string' ? e.subresource : '',
    set: parseFieldsV1(e.fieldsV1),
  }));
}

/** The union of several sets: where any manager knows a list's shape (`k:`, `v:` items, or atomic), so does the union. */
export function unionSets(sets: readonly FieldNode[]): FieldNode {
  const out = emptyNode();
  for (const s of sets) {
    out.member ||= s.member;
    out.leaf ||= s.leaf && s.children.size === 0;
    for (const [k, child] of s.children) {
      const cur = out.children.get(k);
      out.children.set(k, cur ? unionSets([cur, child]) : unionSets([child]));
    }
  }
  if (out.children.size > 0) out.leaf = false;
  return out;
}

/** The node at a path, if the set has one. */
export function nodeAt(set: FieldNode | undefined, path: readonly PathElement[]): FieldNode | undefined {
  let node = set;
  for (const e of path) {
    if (!node) return undefined;
    node = node.children.get(elementKey(e));
  }
  return node;
}

/** True when the set owns the path: the path itself, or an atomic leaf above it. */
export function ownsPath(set: FieldNode, path: readonly PathElement[]): boolean {
  let node: FieldNode | undefined = set;
  for (const e of path) {
    if (node.leaf) return true;
    node = node.children.get(elementKey(e));
    if (!node) return false;
  }
  return node.member;
}

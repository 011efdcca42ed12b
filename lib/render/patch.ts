/**
 * Per-target patches of a plain-YAML bundle: a JSON merge patch (RFC 7386,
 * written here: the RFC's whole algorithm is the ten lines below) or a JSON
 * Patch (RFC 6902, through fast-json-patch, which implements and validates
 * every operation including `test`), each on the one member its `target`
 * selector matches. A patch that matches no member, or several, or whose
 * operations fail, is refused naming the bundle's target and the patch.
 * Pure: the members are not changed, patched copies are returned.
 *
 * @example
 *   applyTargetPatches({ members, patches: [{ target: { kind: 'Deployment', name: 'web' }, merge: { spec: { replicas: 3 } } }], where: 'bundle web, target prod' })
 */
import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { InvalidInputError } from '../errors/errors.ts';
import { formatRef, type KubeObject, refOf } from '../object/ref.ts';
import type { TargetPatch } from '../bundle/bundle-doc.ts';
import { matchesObjectSelector } from '../bundle/selector.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386 section 2. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export function applyTargetPatches({
  members,
  patches,
  where,
}: {
  members: readonly KubeObject[];
  patches: readonly TargetPatch[];
  where: string;
}): KubeObject[] {
  const out = members.map((m) => structuredClone(m));
  for (const [i, p] of patches.entries()) {
    const at = `${where}: patches[${i}]`;
    const hits = out
      .map((o, j) => [o, j] as const)
      .filter(([o]) => matchesObjectSelector({ selector: p.target, object: o }));
    if (hits.length !== 1) {
      throw new InvalidInputError(
        `${at}: its target matches ${hits.length === 0 ? 'no member' : `${hits.length} members (${hits.map(([o]) => formatRef(refOf(o))).join(', ')})`}; it must match exactly one`,
        { data: { patch: i, matched: hits.length, members: hits.map(([o]) => formatRef(refOf(o))) } },
      );
    }
    const [object, j] = hits[0]!;
    let patched: unknown;
    try {
      patched = p.merge
        ? mergePatch(object, p.merge)
        : fastJsonPatch.applyPatch(structuredClone(object), p.json as Operation[], true, false).newDocument;
    } catch (err) {
      throw new InvalidInputError(`${at} (${formatRef(refOf(object))}): ${(err as Error).message.split('\n')[0]}`, {
        data: { patch: i },
        cause: err,
      });
    }
    const before = refOf(object);
    const after = refOf(patched as KubeObject);
    if (formatRef(before) !== formatRef(after) || before.group !== after.group)
      throw new InvalidInputError(
        `${at}: a patch may not change what it patches (${formatRef(before)} became ${formatRef(after)})`,
        { data: { patch: i } },
      );
    out[j] = patched as KubeObject;
  }
  return out;
}

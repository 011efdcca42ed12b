/**
 * One name, one owner: a bundle's name belongs to the first source that
 * declared it (the source its versions were cut from, or one earlier in
 * drover.yaml that declares it in the same cut). Another source declaring the
 * same name is refused for that bundle alone, naming both sources, so the
 * owner keeps its history, registry repository and inventories: a second
 * `web` would otherwise continue the first one's version numbers, push into
 * its repository and take over its clusters. A source drover.yaml no longer
 * names owns nothing (the cut gives its bundles to the first configured
 * source declaring them: a source renamed, or moved to another repository).
 * Pure.
 *
 * @example
 *   checkNameOwner({ bundle: { name: 'web', file: 'web/bundle.yaml' }, source: 'other', owner: { source: 'apps', cut: true, left: null } })
 *   // throws ConflictError "web/bundle.yaml: bundle web is declared by source other, but the name belongs to source apps ..."
 */
import { ConflictError } from '../errors/errors.ts';

export interface NameOwner {
  source: string;
  /** Versions of the bundle were cut from it (else: it declares the name earlier in this cut). */
  cut: boolean;
  /** Its head no longer declares the bundle, since this commit. */
  left: { commit: string } | null;
}

export function checkNameOwner({
  bundle,
  source,
  owner,
}: {
  bundle: { name: string; file: string };
  source: string;
  owner: NameOwner | undefined;
}): void {
  if (!owner || owner.source === source) return;
  const since = owner.cut
    ? `which cut its versions and keeps them, their registry repository and the bundle's clusters${owner.left ? ` (even though its head no longer declares it, since ${owner.left.commit.slice(0, 12)})` : ''}`
    : 'which comes first in drover.yaml and declares it too';
  throw new ConflictError(
    `${bundle.file}: bundle ${bundle.name} is declared by source ${source}, but the name belongs to source ${owner.source}, ${since}; not cut from ${source}: rename one of the two`,
    {
      data: { bundle: bundle.name, file: bundle.file, source, owner: owner.source, reason: 'name-taken' },
    },
  );
}

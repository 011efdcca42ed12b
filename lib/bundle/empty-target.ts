/**
 * Empty is never silent: a target with no members (a Helm chart whose values
 * turn every template off, a kustomization edited to `resources: []`, a
 * render whose every object `spec.exclude` drops) is refused at cut unless
 * the bundle sets `spec.allowEmpty`. A release of an empty version removes
 * everything the bundle owns, so it must have been meant. Pure.
 *
 * @example
 *   checkTargetNotEmpty({ bundle, target: 'prod', members: [] })
 *   // throws "bundle.yaml: target prod of web renders no objects; set spec.allowEmpty ..."
 */
import { InvalidInputError } from '../errors/errors.ts';

export function checkTargetNotEmpty({
  bundle,
  target,
  members,
}: {
  bundle: { name: string; file: string; spec: { allowEmpty: boolean } };
  /** Undefined for a bundle without targets. */
  target: string | undefined;
  members: readonly unknown[];
}): void {
  if (members.length > 0 || bundle.spec.allowEmpty) return;
  const what = target ? `target ${target} of ${bundle.name}` : `bundle ${bundle.name}`;
  throw new InvalidInputError(
    `${bundle.file}: ${what} renders no objects; set spec.allowEmpty if an empty version is meant (its release removes everything the bundle owns)`,
    {
      data: { bundle: bundle.name, file: bundle.file, ...(target ? { target } : {}), reason: 'empty-target' },
    },
  );
}

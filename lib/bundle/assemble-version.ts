/**
 * The cut's decision for one bundle, pure: given the members of each of its
 * targets (read from plain YAML or rendered), its Bundle document, its parent
 * version's config and the commits since the last cut, either `unchanged`
 * (every target's members and the apply policy are what the parent has) or
 * the next version: its number and bump, the members added or changed and
 * removed (across targets), the files that make it (for the bump and the
 * provenance's changed paths), and what to pack. Per target, first: an empty
 * target is refused unless spec.allowEmpty (empty-target.ts); members without
 * a namespace, in drover-system or shipping an inventory are refused
 * (member-namespaces.ts); then lint and the plaintext-Secret rule run; a
 * rule set to error fails the bundle naming the target.
 *
 * @example
 *   const d = assembleVersion({ bundle, targets: [{ name: 'dev', members }, { name: 'prod', members: prodMembers }], parent, ... });
 *   if (d.kind === 'next') packBundle({ name: bundle.name, version: d.version, targets: d.pack, ... });
 */
import { InvalidInputError } from '../errors/errors.ts';
import { formatRef } from '../object/ref.ts';
import type { BundleDocument } from './bundle-doc.ts';
import { policyOf } from './bundle-doc.ts';
import type { Member, UnresolvedReference } from './discover.ts';
import { checkTargetNotEmpty } from './empty-target.ts';
import { runLint } from './lint/index.ts';
import { checkMemberNamespaces } from './member-namespaces.ts';
import type { BundleConfig, PackTarget } from './pack.ts';
import { type BundlePolicy, resolvePolicy, samePolicy } from './policy.ts';
import { checkSecrets } from './secrets.ts';
import { messagesForBundle, nextVersion } from './version.ts';

/** A commit since the last cut: its message and the files it changed (null: unknown, counts for every bundle). */
export interface CommitInfo {
  message: string;
  paths: readonly string[] | null;
}

/** One target's members, as discovered (and patched, or rendered). */
export interface TargetMembers {
  /** Undefined for a bundle without targets. */
  name: string | undefined;
  members: Member[];
  unresolved: UnresolvedReference[];
  /** The repository files this target is made of (member files, or a render's input closure). */
  files: string[];
  /** Custom kinds (`group/Kind`) the repository or the render declares cluster scoped: such a member needs no namespace. */
  clusterKinds?: ReadonlySet<string>;
}

export interface LintWarning {
  bundle: string;
  target?: string;
  rule: string;
  ref: string;
  message: string;
}

export type VersionDecision =
  | { kind: 'unchanged'; warnings: LintWarning[] }
  | {
      kind: 'next';
      version: string;
      bump: string;
      reason: string;
      changedMembers: string[];
      removedMembers: string[];
      /** Repository files of the bundle (its document, every target's files), sorted. */
      files: string[];
      policy: BundlePolicy;
      /** What to pack: targets (named), or the one variant's objects. */
      pack: { targets: PackTarget[] } | { objects: Member['object'][] };
      warnings: LintWarning[];
    };

const digestsOf = (
  target: string | undefined,
  members: readonly { kind: string; namespace: string; name: string; digest: string }[],
) => members.map((m) => `${target ?? ''}:${formatRef(m)}@${m.digest}`);

export function assembleVersion({
  bundle,
  targets,
  parent,
  commits,
  headMessage,
  selfManaged = false,
}: {
  bundle: BundleDocument;
  targets: readonly TargetMembers[];
  parent: { version: string; config: BundleConfig } | undefined;
  /** Commits since the last cut with the files each changed; null when the history could not be walked. */
  commits: readonly CommitInfo[] | null;
  headMessage: string;
  /** drover.yaml names the bundle under `selfManaged`: it may ship objects in drover-system. */
  selfManaged?: boolean;
}): VersionDecision {
  const warnings = targets.flatMap((t) => checkTarget({ bundle, target: t, selfManaged }));
  const now = targets
    .flatMap((t) =>
      digestsOf(
        t.name,
        t.members.map((m) => ({ ...m.ref, digest: m.digest })),
      ),
    )
    .sort();
  const before = parent
    ? (parent.config.targets
        ? parent.config.targets.flatMap((t) => digestsOf(t.name, t.members))
        : digestsOf(undefined, parent.config.members)
      ).sort()
    : null;
  const policy = policyOf(bundle.spec);
  if (
    before &&
    JSON.stringify(before) === JSON.stringify(now) &&
    samePolicy(resolvePolicy(parent!.config.policy), policy)
  )
    return { kind: 'unchanged', warnings };

  const files = [...new Set([bundle.file, ...targets.flatMap((t) => t.files)])].sort();
  const messages = messagesForBundle({ commits, files: new Set(files), head: headMessage });
  const next = nextVersion({ parent: parent?.version ?? null, policy: bundle.spec.versioning.bump, messages });
  const { changedMembers, removedMembers } = assembleMemberChanges({ targets, parent, before });
  const named = targets.every((t) => t.name !== undefined);
  return {
    kind: 'next',
    version: next.version,
    bump: next.bump,
    reason: next.reason,
    changedMembers,
    removedMembers,
    files,
    policy,
    pack: named
      ? { targets: targets.map((t) => ({ name: t.name!, objects: t.members.map((m) => m.object) })) }
      : { objects: targets[0]!.members.map((m) => m.object) },
    warnings,
  };
}

/**
 * One target's checks, in order: not empty, member namespaces, plaintext
 * Secrets, then lint; a lint rule set to error fails the bundle naming the
 * target, the other findings are its warnings.
 */
function checkTarget({
  bundle,
  target: t,
  selfManaged,
}: {
  bundle: BundleDocument;
  target: TargetMembers;
  selfManaged: boolean;
}): LintWarning[] {
  checkTargetNotEmpty({ bundle, target: t.name, members: t.members });
  checkMemberNamespaces({
    bundle,
    target: t.name,
    members: t.members,
    selfManaged,
    ...(t.clusterKinds ? { clusterKinds: t.clusterKinds } : {}),
  });
  checkSecrets({ bundle, members: t.members });
  const findings = runLint({
    objects: t.members.map((m) => m.object),
    unresolved: t.unresolved,
    exclude: bundle.spec.exclude,
    severities: bundle.spec.lint,
  });
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) {
    throw new InvalidInputError(
      `${bundle.file}: bundle ${bundle.name}${t.name ? `, target ${t.name},` : ''} breaks ${errors.length} practice rule(s) set to error: ${errors.map((f) => `${formatRef(f.ref)}: ${f.message}`).join('; ')}`,
      {
        data: {
          bundle: bundle.name,
          file: bundle.file,
          ...(t.name ? { target: t.name } : {}),
          findings: errors.map((f) => ({ rule: f.rule, ref: formatRef(f.ref), message: f.message })),
        },
      },
    );
  }
  return findings.map((f) => ({
    bundle: bundle.name,
    ...(t.name ? { target: t.name } : {}),
    rule: f.rule,
    ref: formatRef(f.ref),
    message: f.message,
  }));
}

/**
 * The members added or changed (a target's member whose digest the parent
 * did not have) and removed (in the parent, in no target now), each as a
 * sorted list of refs without repeats.
 */
function assembleMemberChanges({
  targets,
  parent,
  before,
}: {
  targets: readonly TargetMembers[];
  parent: { config: BundleConfig } | undefined;
  /** The parent's target-member digests, as `digestsOf` gives them. */
  before: string[] | null;
}): { changedMembers: string[]; removedMembers: string[] } {
  const had = new Set(before ?? []);
  const changedMembers = [
    ...new Set(
      targets.flatMap((t) =>
        t.members
          .filter((m) => !had.has(`${t.name ?? ''}:${formatRef(m.ref)}@${m.digest}`))
          .map((m) => formatRef(m.ref)),
      ),
    ),
  ].sort();
  const present = new Set(targets.flatMap((t) => t.members.map((m) => formatRef(m.ref))));
  const previous = parent
    ? parent.config.targets
      ? parent.config.targets.flatMap((t) => t.members)
      : parent.config.members
    : [];
  const removedMembers = [...new Set(previous.map((m) => formatRef(m)).filter((r) => !present.has(r)))].sort();
  return { changedMembers, removedMembers };
}

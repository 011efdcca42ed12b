/**
 * `drover cut`: for each source, fetch the head; if it moved since the last
 * cut, load its manifests, discover every bundle's members, and cut a new
 * immutable version of each bundle whose members' content changed. Every
 * bundle is validated and packed before anything is pushed, and the state is
 * written only after the registry has every version, so bad input leaves the
 * registry and the database as they were. An unmoved head costs no registry
 * request at all. A bundle name belongs to the first source that declared it
 * (lib/bundle/name-owner.ts): another source's bundle of that name is refused
 * (in `failed`), and the owner's versions, repository and clusters are left
 * alone. With drover.yaml `signing`, each new version's manifest digest is
 * signed right after its manifest is pushed (lib/oci/sign-version.ts: a
 * sigstore bundle as an OCI 1.1 referrer, what `cosign verify --key`
 * checks), and before the state records it; without, it is cut unsigned
 * (`signedBy: null`).
 *
 * @example
 *   const r = await cutVersions({ ws });
 *   r.cut // [{ bundle: 'web', version: '1.0.1', digest: 'sha256:...' }]
 */
import { assembleVersion, type LintWarning, type VersionDecision } from '../bundle/assemble-version.ts';
import type { BlockedBundle } from '../bundle/discover.ts';
import { checkNameOwner } from '../bundle/name-owner.ts';
import { packBundle, type RendererInfo } from '../bundle/pack.ts';
import { bundlesAtCommit, type BundlesAtCommit, type RenderRun } from '../repo/bundles-at-commit.ts';
import type { SourceConfig } from '../config/config.ts';
import { type DroverError, InvalidInputError, toDroverError } from '../errors/errors.ts';
import { type Digest, MediaType, signVersion } from '../oci/index.ts';
import { readSigner } from '../config/signing-keys.ts';
import type { FileFailure } from '../object/yaml.ts';
import type { OnEvent } from '../progress.ts';
import { mapLimit } from '../foundation/map-limit.ts';
import { redactUrl } from '../foundation/redact.ts';
import { runningOf } from '../release/environment-run.ts';
import { lastRelease } from '../state/releases.ts';
import {
  getBundle,
  lastCutCommit,
  latestVersion,
  listBundles,
  recordCut,
  type VersionRecord,
} from '../state/versions.ts';
import { openConfiguredSource } from '../repo/configured-source.ts';
import type { Source } from '../source/index.ts';
import type { Workspace } from '../workspace/workspace.ts';

export interface CutVersion {
  bundle: string;
  version: string;
  digest: string;
  parent: string | null;
  commit: string;
  bump: string;
  /** Members added or changed since the parent. */
  changedMembers: string[];
  /** Members of the parent this version no longer has (pruned when it is deployed). */
  removedMembers: string[];
  /** Its targets, when the bundle declares them (one layer each). */
  targets?: string[];
  /** The key id that signed it at cut (drover.yaml `signing`), or null: cut unsigned. */
  signedBy: string | null;
}

/** One renderer run a cut needed, or a render it took from the cache because its inputs had not changed. */
export type CutRender = RenderRun;

/** Bundles a file that failed to parse kept from being cut. */
export interface BlockedCut {
  source: string;
  file: string;
  line?: number;
  bundles: string[];
  message: string;
}

/** A bundle cut before from a source whose head no longer declares it. */
export interface LeftBundle {
  bundle: string;
  source: string;
  /** The first head it was missing at, and when that was seen. */
  commit: string;
  since: string;
  /** Its newest version (its clusters keep whatever they run). */
  lastVersion: string | null;
}

export interface CutResult {
  sources: { name: string; head: string; previous: string | null; moved: boolean }[];
  cut: CutVersion[];
  unchanged: string[];
  warnings: LintWarning[];
  blocked: BlockedCut[];
  left: LeftBundle[];
  /** The renders this cut ran or took from the cache. */
  renders: CutRender[];
  /** Bundles not cut because their own content is invalid, each with why. */
  failed: { bundle: string; error: DroverError }[];
}

const PUSH_CONCURRENCY = 4;

/** What one source gives a cut: where its head is, what it reports, and (when the head moved) the versions ready to push and record. */
interface PreparedSource {
  source: CutResult['sources'][number];
  blocked: BlockedCut[];
  warnings: CutResult['warnings'];
  unchanged: string[];
  renders: CutRender[];
  failed: CutResult['failed'];
  /** Names of every bundle its head declares (empty when the head did not move). */
  declared: string[];
  ready?: {
    head: string;
    display: string;
    items: Prepared[];
    presence: { present: Set<string>; markMissing: boolean };
  };
}

interface Prepared {
  record: VersionRecord;
  packed: ReturnType<typeof packBundle>;
  cut: CutVersion;
}

/**
 * A bundle whose own content is invalid (a lint error, a plaintext Secret, a
 * render refused): that bundle is skipped, the others are cut, and it is
 * reported in `failed` (and here, as it happens, for a daemon's log).
 */
export type OnBundleError = (e: { bundle: string; error: DroverError }) => void;

export async function cutVersions({
  ws,
  bundle,
  onEvent = () => {},
  onBundleError,
  signal,
}: {
  ws: Workspace;
  bundle?: string;
  onEvent?: OnEvent;
  onBundleError?: OnBundleError;
  signal?: AbortSignal;
}): Promise<CutResult> {
  const result: CutResult = {
    sources: [],
    cut: [],
    unchanged: [],
    warnings: [],
    blocked: [],
    left: [],
    renders: [],
    failed: [],
  };
  // The key is read before anything is pushed: a key that cannot be used fails the cut, not half of it.
  const signer = await readSigner({ config: ws.config, env: ws.env, signal });
  // Bundle names the sources before this one declare in this cut: the first source in drover.yaml keeps a name no source has cut yet.
  const declaredBy = new Map<string, string>();
  for (const sc of ws.config.sources) {
    const one = await prepareSource({
      ws,
      sc,
      bundle,
      onEvent,
      declaredBy,
      ...(onBundleError ? { onBundleError } : {}),
      signal,
    });
    for (const name of one.declared) if (!declaredBy.has(name)) declaredBy.set(name, sc.name);
    result.sources.push(one.source);
    result.blocked.push(...one.blocked);
    result.warnings.push(...one.warnings);
    result.unchanged.push(...one.unchanged);
    result.renders.push(...one.renders);
    result.failed.push(...one.failed);
    const prepared = one.ready;
    if (!prepared) {
      result.left.push(...leftBundles(ws, sc.name));
      continue;
    }
    // Bundles push side by side (each repository is separate): its blobs, then the manifest naming them.
    await mapLimit(prepared.items, PUSH_CONCURRENCY, async (p) => {
      const store = ws.stores.open(p.record.bundle);
      onEvent({ phase: 'push', subject: p.record.bundle, message: `${p.record.version} to ${store.location}` });
      await Promise.all([
        store.pushBlob({ data: p.packed.config, digest: p.packed.configDigest as `sha256:${string}`, signal }),
        ...p.packed.blobs.map((b) => store.pushBlob({ data: b.data, digest: b.digest as `sha256:${string}`, signal })),
      ]);
      await store.putManifest({
        bytes: p.packed.manifest,
        mediaType: MediaType.ociManifest,
        tag: p.record.version,
        immutable: true,
        signal,
      });
      if (signer) {
        onEvent({ phase: 'push', subject: p.record.bundle, message: `${p.record.version} signed by ${signer.keyId}` });
        await signVersion({ store, digest: p.record.digest as Digest, signer, signal });
        p.cut.signedBy = signer.keyId;
      }
    });
    recordCut(ws.db, {
      source: { name: sc.name, url: prepared.display, branch: sc.branch, commit: prepared.head },
      versions: prepared.items.map((p) => p.record),
      repositoryOf: (b) => ws.stores.open(b).repository,
      presence: prepared.presence,
    });
    result.cut.push(...prepared.items.map((p) => p.cut));
    result.left.push(...leftBundles(ws, sc.name));
  }
  return result;
}

/** The source's bundles that left it, but for those retired everywhere they ran (nothing more to say of them). */
function leftBundles(ws: Workspace, source: string): LeftBundle[] {
  return listBundles(ws.db)
    .filter((b) => b.source === source && b.left)
    .filter((b) => {
      const last = ws.config.clusters.map((c) => lastRelease(ws.db, b.name, c.name)).filter((r) => r !== undefined);
      return !(last.some((r) => r.kind === 'retire') && last.every((r) => runningOf(r) === undefined));
    })
    .map((b) => ({
      bundle: b.name,
      source,
      commit: b.left!.commit,
      since: b.left!.at,
      lastVersion: latestVersion(ws.db, b.name)?.version ?? null,
    }));
}

/** One error per failed file, naming the bundles it blocked. Pure. */
function assembleBlocked(source: string, blocked: readonly BlockedBundle[]): BlockedCut[] {
  const byFile = new Map<string, { failure: FileFailure; bundles: BlockedBundle[] }>();
  for (const b of blocked) {
    for (const f of b.failures) {
      const entry = byFile.get(f.file) ?? { failure: f, bundles: [] };
      entry.bundles.push(b);
      byFile.set(f.file, entry);
    }
  }
  return [...byFile.values()].map(({ failure, bundles }) => {
    const scoped = bundles.filter((b) => b.bundle.spec.paths).map((b) => b.bundle.name);
    const unscoped = bundles.filter((b) => !b.bundle.spec.paths).map((b) => b.bundle.name);
    const why = [
      ...(scoped.length ? [`${scoped.join(', ')} (whose spec.paths include it)`] : []),
      ...(unscoped.length ? [`${unscoped.join(', ')} (no spec.paths: every file of the source may hold members)`] : []),
    ];
    return {
      source,
      file: failure.file,
      ...(failure.line !== undefined ? { line: failure.line } : {}),
      bundles: bundles.map((b) => b.bundle.name),
      message: `${failure.error.message}; not cut: ${why.join('; ')}`,
    };
  });
}

async function prepareSource({
  ws,
  sc,
  bundle,
  onEvent,
  declaredBy,
  onBundleError,
  signal,
}: {
  ws: Workspace;
  sc: SourceConfig;
  bundle?: string;
  onEvent: OnEvent;
  declaredBy: ReadonlyMap<string, string>;
  onBundleError?: OnBundleError;
  signal?: AbortSignal;
}): Promise<PreparedSource> {
  const source = await openConfiguredSource({ ws, sc, signal });
  // What is shown, journaled and written into provenance: without a credential in its query (`?private_token=`).
  const display = redactUrl(source.display);
  onEvent({ phase: 'fetch', subject: sc.name, message: display });
  const { head } = await source.sync({ signal });
  const previous = lastCutCommit(ws.db, sc.name) ?? null;
  const out: PreparedSource = {
    source: { name: sc.name, head, previous, moved: previous !== head },
    blocked: [],
    warnings: [],
    unchanged: [],
    renders: [],
    failed: [],
    declared: [],
  };
  if (previous === head) return out;

  const at = await bundlesAtCommit({
    ws,
    source,
    commit: head,
    ...(bundle ? { bundle } : {}),
    onEvent,
    signal,
  });
  out.renders.push(...at.renders);
  out.declared.push(...at.declared);
  out.blocked.push(...reportBlocked({ sc, at, bundle, onBundleError }));
  const presence = { present: new Set(at.declared), markMissing: !at.anyFailure };
  const since = await readSince({ source, previous, head, signal });
  onEvent({
    phase: 'discover',
    subject: sc.name,
    message: `${at.declared.length} bundles, ${since.changed?.length ?? at.files} changed paths`,
  });

  const items = prepareVersions({
    ws,
    sc,
    at,
    declaredBy,
    since,
    display,
    head,
    out,
    onEvent,
    onBundleError,
    signal,
  });
  return { ...out, ready: { head, display, items, presence } };
}

/**
 * Each bundle at the head as a version ready to push, when its content
 * changed; `out` is told which were unchanged and which failed, with every
 * lint warning. One bundle's bad content skips that bundle only.
 */
function prepareVersions({
  ws,
  sc,
  at,
  declaredBy,
  since,
  display,
  head,
  out,
  onEvent,
  onBundleError,
  signal,
}: {
  ws: Workspace;
  sc: SourceConfig;
  at: BundlesAtCommit;
  declaredBy: ReadonlyMap<string, string>;
  since: SinceLastCut;
  display: string;
  head: string;
  out: Pick<PreparedSource, 'warnings' | 'unchanged' | 'failed'>;
  onEvent: OnEvent;
  onBundleError?: OnBundleError;
  signal?: AbortSignal;
}): Prepared[] {
  const items: Prepared[] = [];
  const configured = new Set(ws.config.sources.map((s) => s.name));
  for (const { doc, targets } of at.bundles) {
    const name = doc.name;
    try {
      // Checked before anything of the bundle is read: a name another source owns is never versioned, pushed or recorded here.
      checkNameOwner({ bundle: doc, source: sc.name, owner: nameOwnerOf({ ws, name, declaredBy, configured }) });
      const t = targets();
      const parent = latestVersion(ws.db, name);
      const d = assembleVersion({
        bundle: doc,
        targets: t.targets,
        parent,
        commits: since.history,
        headMessage: since.commit.message,
        selfManaged: ws.config.selfManaged.includes(name),
      });
      out.warnings.push(...d.warnings);
      if (d.kind === 'unchanged') {
        out.unchanged.push(name);
        continue;
      }
      items.push(assemblePrepared({ name, d, renderer: t.renderer, parent, display, head, since }));
      onEvent({ phase: 'cut', subject: name, message: `${d.version} (${d.reason})` });
    } catch (err) {
      // One bundle's bad content (a lint error, a plaintext Secret, a render refused) skips that bundle only; the others are cut.
      if (signal?.aborted) throw err;
      const e = toDroverError(err);
      out.failed.push({ bundle: name, error: e });
      onBundleError?.({ bundle: name, error: e });
    }
  }
  return items;
}

/** The bundles a file that fails to parse kept from being cut, each reported to `onBundleError`. */
function reportBlocked({
  sc,
  at,
  bundle,
  onBundleError,
}: {
  sc: SourceConfig;
  at: BundlesAtCommit;
  bundle?: string;
  onBundleError?: OnBundleError;
}): BlockedCut[] {
  const blocked = assembleBlocked(
    sc.name,
    at.blocked.filter((b) => !bundle || b.bundle.name === bundle),
  );
  // A broken file with nothing left to cut fails the source as a whole, as it always did: nothing is recorded and the cut is tried again.
  if (at.failures.length > 0 && at.declared.length === at.blocked.length) {
    const first = at.failures[0]!;
    throw new InvalidInputError(blocked[0]?.message ?? first.error.message, {
      data: { ...first.error.data, blocked },
      cause: first.error,
    });
  }
  for (const b of blocked)
    for (const name of b.bundles)
      onBundleError?.({
        bundle: name,
        error: new InvalidInputError(b.message, { data: { file: b.file, line: b.line, reason: 'blocked' } }),
      });
  return blocked;
}

/** What the source's history says since the last cut: the head's commit, the paths changed, and the commits between. */
interface SinceLastCut {
  commit: Awaited<ReturnType<Source['readCommit']>>;
  /** Paths changed since the last cut; null on a first cut. */
  changed: string[] | null;
  /** Commits since the last cut; null on a first cut, or when the history cannot be walked. */
  history: Awaited<ReturnType<Source['commitsSince']>>['commits'] | null;
}

async function readSince({
  source,
  previous,
  head,
  signal,
}: {
  source: Source;
  previous: string | null;
  head: string;
  signal?: AbortSignal;
}): Promise<SinceLastCut> {
  const commit = await source.readCommit({ oid: head, signal });
  const changed = previous
    ? (await source.changedPaths({ from: previous, to: head, signal })).changes.map((c) => c.path)
    : null;
  // Every commit since the last cut speaks for the bumps, not only the head; a history that cannot be walked (rewritten, pruned) leaves the head's message.
  const history = previous
    ? await source.commitsSince({ from: previous, to: head, signal }).then(
        (h) => h.commits,
        (err: unknown) => {
          if (signal?.aborted) throw err;
          return null;
        },
      )
    : null;
  return { commit, changed, history };
}

/**
 * Who owns a bundle name already: the source it was cut from (while
 * drover.yaml still names that source), else a source before this one in
 * this cut. A source drover.yaml no longer names owns nothing: its bundles
 * go to the first configured source declaring them (a renamed source, a
 * moved repository).
 */
function nameOwnerOf({
  ws,
  name,
  declaredBy,
  configured,
}: {
  ws: Workspace;
  name: string;
  declaredBy: ReadonlyMap<string, string>;
  configured: ReadonlySet<string>;
}): Parameters<typeof checkNameOwner>[0]['owner'] {
  const recorded = getBundle(ws.db, name);
  const earlier = declaredBy.get(name);
  return recorded && configured.has(recorded.source)
    ? { source: recorded.source, cut: true, left: recorded.left }
    : earlier
      ? { source: earlier, cut: false, left: null }
      : undefined;
}

/** A new version packed, with its record for the state and its line in the result. Pure. */
function assemblePrepared({
  name,
  d,
  renderer,
  parent,
  display,
  head,
  since: { commit, changed },
}: {
  name: string;
  d: Extract<VersionDecision, { kind: 'next' }>;
  renderer: RendererInfo | undefined;
  parent: VersionRecord | undefined;
  display: string;
  head: string;
  since: SinceLastCut;
}): Prepared {
  const bundleFiles = new Set(d.files);
  const packed = packBundle({
    name,
    version: d.version,
    ...d.pack,
    policy: d.policy,
    ...(renderer ? { renderer } : {}),
    provenance: {
      source: display,
      commit: head,
      changedPaths: (changed ?? [...bundleFiles]).filter((p) => bundleFiles.has(p)),
      author: `${commit.author.name} <${commit.author.email}>`,
      commitTime: commit.commitTime,
      parent: parent?.version ?? null,
    },
  });
  return {
    packed,
    record: {
      bundle: name,
      version: d.version,
      digest: packed.manifestDigest,
      commit: head,
      parent: parent?.version ?? null,
      createdAt: commit.commitTime,
      config: packed.configDoc,
    },
    cut: {
      bundle: name,
      version: d.version,
      digest: packed.manifestDigest,
      parent: parent?.version ?? null,
      commit: head,
      bump: d.bump,
      changedMembers: d.changedMembers,
      removedMembers: d.removedMembers,
      signedBy: null,
      ...('targets' in d.pack ? { targets: d.pack.targets.map((x) => x.name) } : {}),
    },
  };
}

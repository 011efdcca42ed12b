/**
 * `drover cut`: for each source, fetch the head; if it moved since the last
 * cut, load its manifests, discover every bundle's members, and cut a new
 * immutable version of each bundle whose members' content changed. Every
 * bundle is validated and packed before anything is pushed, and the state is
 * written only after the registry has every version, so bad input leaves the
 * registry and the database as they were. An unmoved head costs no registry
 * request at all.
 *
 * @example
 *   const r = await cutVersions({ ws });
 *   r.cut // [{ bundle: 'web', version: '1.0.1', digest: 'sha256:...' }]
 */
import { checkSecrets } from '../bundle/secrets.ts';
import { policyOf } from '../bundle/bundle-doc.ts';
import { type BlockedBundle, discoverBundles } from '../bundle/discover.ts';
import { resolvePolicy, samePolicy } from '../bundle/policy.ts';
import { runLint } from '../bundle/lint/index.ts';
import { packBundle } from '../bundle/pack.ts';
import { messagesForBundle, nextVersion } from '../bundle/version.ts';
import type { SourceConfig } from '../config/config.ts';
import { type DroverError, InvalidInputError, toDroverError } from '../errors/errors.ts';
import { MediaType } from '../oci/index.ts';
import { formatRef } from '../object/ref.ts';
import { type FileFailure, loadObjects } from '../object/yaml.ts';
import type { OnEvent } from '../progress.ts';
import { mapLimit } from '../release/pool.ts';
import { isManifestPath } from '../source/index.ts';
import { runningOf } from '../state/queries.ts';
import { lastRelease } from '../state/releases.ts';
import { lastCutCommit, latestVersion, listBundles, recordCut, type VersionRecord } from '../state/versions.ts';
import { openConfiguredSource } from '../workspace/source.ts';
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
}

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
  warnings: { bundle: string; rule: string; ref: string; message: string }[];
  blocked: BlockedCut[];
  left: LeftBundle[];
}

const PUSH_CONCURRENCY = 4;

/** What one source gives a cut: where its head is, what it reports, and (when the head moved) the versions ready to push and record. */
interface PreparedSource {
  source: CutResult['sources'][number];
  blocked: BlockedCut[];
  warnings: CutResult['warnings'];
  unchanged: string[];
  ready?: { head: string; display: string; items: Prepared[]; presence: { present: Set<string>; markMissing: boolean } };
}

interface Prepared {
  record: VersionRecord;
  packed: ReturnType<typeof packBundle>;
  cut: CutVersion;
}

/**
 * A bundle whose own content is invalid (a lint error, a plaintext Secret...).
 * When given, that bundle is reported here and skipped, and the others are
 * still cut (the daemon's per-bundle isolation); without it, the first
 * invalid bundle fails the whole cut (the CLI's all-or-nothing behaviour).
 */
export type OnBundleError = (e: { bundle: string; error: DroverError }) => void;

export async function cutVersions({
  ws,
  bundle,
  env = {},
  onEvent = () => {},
  onBundleError,
  signal,
}: {
  ws: Workspace;
  bundle?: string;
  env?: NodeJS.ProcessEnv;
  onEvent?: OnEvent;
  onBundleError?: OnBundleError;
  signal?: AbortSignal;
}): Promise<CutResult> {
  const result: CutResult = { sources: [], cut: [], unchanged: [], warnings: [], blocked: [], left: [] };
  for (const sc of ws.config.sources) {
    const one = await prepareSource({ ws, sc, bundle, env, onEvent, ...(onBundleError ? { onBundleError } : {}), signal });
    result.sources.push(one.source);
    result.blocked.push(...one.blocked);
    result.warnings.push(...one.warnings);
    result.unchanged.push(...one.unchanged);
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
        store.pushBlob({ data: p.packed.layer, digest: p.packed.layerDigest as `sha256:${string}`, signal }),
      ]);
      await store.putManifest({ bytes: p.packed.manifest, mediaType: MediaType.ociManifest, tag: p.record.version, immutable: true, signal });
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
    .map((b) => ({ bundle: b.name, source, commit: b.left!.commit, since: b.left!.at, lastVersion: latestVersion(ws.db, b.name)?.version ?? null }));
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
  env,
  onEvent,
  onBundleError,
  signal,
}: {
  ws: Workspace;
  sc: SourceConfig;
  bundle?: string;
  env: NodeJS.ProcessEnv;
  onEvent: OnEvent;
  onBundleError?: OnBundleError;
  signal?: AbortSignal;
}): Promise<PreparedSource> {
  const source = await openConfiguredSource({ ws, sc, env, ...(signal ? { signal } : {}) });
  onEvent({ phase: 'fetch', subject: sc.name, message: source.display });
  const { head } = await source.sync({ ...(signal ? { signal } : {}) });
  const previous = lastCutCommit(ws.db, sc.name) ?? null;
  const out: PreparedSource = { source: { name: sc.name, head, previous, moved: previous !== head }, blocked: [], warnings: [], unchanged: [] };
  if (previous === head) return out;

  const files = await source.readFiles({ commit: head, filter: isManifestPath, ...(signal ? { signal } : {}) });
  const failures: FileFailure[] = [];
  const objects = loadObjects({ files: files.map((f) => ({ path: f.path, text: f.text })), onFileError: (f) => failures.push(f) });
  const discovery = discoverBundles({ objects, failures });
  const blocked = assembleBlocked(sc.name, discovery.blocked.filter((b) => !bundle || b.bundle.name === bundle));
  // A broken file with nothing left to cut fails the source as a whole, as it always did: nothing is recorded and the cut is tried again.
  if (failures.length > 0 && discovery.bundles.length === 0) {
    const first = failures[0]!;
    throw new InvalidInputError(blocked[0]?.message ?? first.error.message, { data: { ...first.error.data, blocked }, cause: first.error });
  }
  out.blocked.push(...blocked);
  for (const b of blocked) for (const name of b.bundles) onBundleError?.({ bundle: name, error: new InvalidInputError(b.message, { data: { file: b.file, line: b.line, reason: 'blocked' } }) });
  const presence = { present: new Set([...discovery.bundles, ...discovery.blocked].map((b) => b.bundle.name)), markMissing: failures.length === 0 };
  const commit = await source.readCommit({ oid: head, ...(signal ? { signal } : {}) });
  const changed = previous ? (await source.changedPaths({ from: previous, to: head, ...(signal ? { signal } : {}) })).changes.map((c) => c.path) : files.map((f) => f.path);
  // Every commit since the last cut speaks for the bumps, not only the head; a history that cannot be walked (rewritten, pruned) leaves the head's message.
  const history = previous
    ? await source.commitsSince({ from: previous, to: head, ...(signal ? { signal } : {}) }).then(
        (h) => h.commits,
        (err: unknown) => {
          if (signal?.aborted) throw err;
          return null;
        },
      )
    : null;
  onEvent({ phase: 'discover', subject: sc.name, message: `${discovery.bundles.length} bundles, ${changed.length} changed paths` });

  const items: Prepared[] = [];
  for (const b of discovery.bundles) {
    const name = b.bundle.name;
    if (bundle && name !== bundle) continue;
    try {
      checkSecrets({ bundle: b.bundle, members: b.members });
      const findings = runLint({ objects: b.members.map((m) => m.object), unresolved: b.unresolved, exclude: b.bundle.spec.exclude, severities: b.bundle.spec.lint });
      const errors = findings.filter((f) => f.severity === 'error');
      if (errors.length > 0) {
        throw new InvalidInputError(`${b.bundle.file}: bundle ${name} breaks ${errors.length} practice rule(s) set to error: ${errors.map((f) => `${formatRef(f.ref)}: ${f.message}`).join('; ')}`, {
          data: { bundle: name, file: b.bundle.file, findings: errors.map((f) => ({ rule: f.rule, ref: formatRef(f.ref), message: f.message })) },
        });
      }
      for (const f of findings) out.warnings.push({ bundle: name, rule: f.rule, ref: formatRef(f.ref), message: f.message });

      const parent = latestVersion(ws.db, name);
      const parentConfig = parent?.config;
      const digests = b.members.map((m) => `${formatRef(m.ref)}@${m.digest}`).sort();
      const parentDigests = parentConfig ? (parentConfig.members ?? []).map((m) => `${formatRef(m)}@${m.digest}`).sort() : null;
      const policy = policyOf(b.bundle.spec);
      if (parentDigests && JSON.stringify(parentDigests) === JSON.stringify(digests) && samePolicy(resolvePolicy(parentConfig?.policy), policy)) {
        out.unchanged.push(name);
        continue;
      }
      const memberFiles = new Set(b.members.map((m) => m.file));
      const messages = messagesForBundle({ commits: history, files: new Set([...memberFiles, b.bundle.file]), head: commit.message });
      const next = nextVersion({ parent: parent?.version ?? null, policy: b.bundle.spec.versioning.bump, messages });
      const before = new Set(parentDigests ?? []);
      const changedMembers = b.members.filter((m) => !before.has(`${formatRef(m.ref)}@${m.digest}`)).map((m) => formatRef(m.ref));
      const now = new Set(b.members.map((m) => formatRef(m.ref)));
      const removedMembers = (parentConfig?.members ?? []).map((m) => formatRef(m)).filter((r) => !now.has(r));
      const packed = packBundle({
        name,
        version: next.version,
        objects: b.members.map((m) => m.object),
        policy,
        provenance: {
          source: source.display,
          commit: head,
          changedPaths: changed.filter((p) => memberFiles.has(p)),
          author: `${commit.author.name} <${commit.author.email}>`,
          commitTime: commit.commitTime,
          parent: parent?.version ?? null,
        },
      });
      items.push({
        packed,
        record: { bundle: name, version: next.version, digest: packed.manifestDigest, commit: head, parent: parent?.version ?? null, createdAt: commit.commitTime, config: packed.configDoc },
        cut: { bundle: name, version: next.version, digest: packed.manifestDigest, parent: parent?.version ?? null, commit: head, bump: next.bump, changedMembers, removedMembers },
      });
      onEvent({ phase: 'cut', subject: name, message: `${next.version} (${next.reason})` });
    } catch (err) {
      // With onBundleError, one bundle's bad content skips that bundle only; the others are cut.
      if (!onBundleError) throw err;
      onBundleError({ bundle: name, error: toDroverError(err) });
    }
  }
  return { ...out, ready: { head, display: source.display, items, presence } };
}

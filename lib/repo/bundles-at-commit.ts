/**
 * Every bundle of a source at one commit, as targets of members: what `cut`
 * versions and what `discover` and `lint` show, so the three always agree.
 * Rendered bundles (kustomize, helm) are rendered first (lib/render/
 * render-bundle.ts), and the files their renders own are left out of plain
 * discovery; plain bundles are discovered from the rest and patched per
 * target. A file that cannot be read or fails to parse blocks only the plain
 * bundles that could hold it; a render that fails is that bundle's failure alone (its
 * `targets()` throws it). Every read here (the manifests, each render's
 * directory) spends one budget (lib/source/tree-budget.ts): content past
 * drover.yaml's `limits` is the source's failure, a TreeLimitError thrown
 * whole, never one bundle's.
 *
 * @example
 *   const at = await bundlesAtCommit({ ws, source, commit: head });
 *   for (const b of at.bundles) b.targets().targets.map((t) => [t.name, t.members.length]);
 */
import { dirname, join } from 'node:path';
import type { TargetMembers } from '../bundle/assemble-version.ts';
import { type BundleDocument, isBundleDocument, splitBundleDocuments } from '../bundle/bundle-doc.ts';
import { type BlockedBundle, type BundleMembers, discoverBundles, discoverMembers } from '../bundle/discover.ts';
import type { RendererInfo } from '../bundle/pack.ts';
import type { DroverConfig } from '../config/config.ts';
import { type DroverError, TreeLimitError, toDroverError } from '../errors/errors.ts';
import { contentDigest } from '../object/canonical.ts';
import { clusterScopedCustomKinds } from '../object/scope.ts';
import { type FileFailure, loadObjects } from '../object/yaml.ts';
import type { OnEvent } from '../progress.ts';
import { applyTargetPatches } from '../render/patch.ts';
import { ownedPaths, renderBundle, rendererOf } from '../render/render-bundle.ts';
import { openRenderCache } from '../render/render-cache.ts';
import { isManifestPath } from '../bundle/path-filter.ts';
import type { Source, TreeBudget } from '../source/index.ts';

/** One renderer run, or a render taken from the cache because its inputs had not changed. */
export interface RenderRun {
  bundle: string;
  target?: string;
  cached: boolean;
}

export interface BundleAtCommit {
  doc: BundleDocument;
  /** Its targets' members (and the renderer that made them); throws the bundle's own failure (a refused render, bad patches). */
  targets: () => { targets: TargetMembers[]; renderer?: RendererInfo };
}

export interface BundlesAtCommit {
  /** Every bundle that could be read (or `bundle` alone), sorted by name. */
  bundles: BundleAtCommit[];
  /** Plain bundles a file that fails to parse kept from being read. */
  blocked: BlockedBundle[];
  /** Files that failed to parse, outside what rendered bundles own. */
  failures: FileFailure[];
  /** Whether any file of the commit failed to parse (a rendered bundle's own files included). */
  anyFailure: boolean;
  /** Names of every bundle the commit declares (blocked ones included). */
  declared: string[];
  renders: RenderRun[];
  /** Manifest files read. */
  files: number;
}

export async function bundlesAtCommit({
  ws,
  source,
  commit,
  bundle,
  onEvent = () => {},
  signal,
}: {
  /** The workspace (lib/workspace sits above this folder: only its config and env are read). */
  ws: { config: DroverConfig; env: NodeJS.ProcessEnv };
  source: Source;
  commit: string;
  /** Only this bundle (the others are still declared, so presence stays right). */
  bundle?: string;
  onEvent?: OnEvent;
  signal?: AbortSignal;
}): Promise<BundlesAtCommit> {
  const allFailures: FileFailure[] = [];
  const budget = source.budget();
  // A file that cannot be read (a link out of the repository) is that file's failure, as one that does not parse.
  const files = await source.readFiles({
    commit,
    filter: isManifestPath,
    budget,
    onFileError: (f) => allFailures.push(f),
    signal,
  });
  const objects = loadObjects({
    files: files.map((f) => ({ path: f.path, text: f.text })),
    onFileError: (f) => allFailures.push(f),
  });
  const docs = splitBundleDocuments({ objects }).bundles;
  const renderedDocs = docs.filter((d) => rendererOf(d));

  // Rendered bundles first: their renders, and the files they read, which plain discovery must leave alone.
  const { rendered, renderedFiles, renders } = await readRenderedBundles({
    ws,
    source,
    commit,
    budget,
    docs: renderedDocs.filter((d) => !bundle || d.name === bundle),
    onEvent,
    signal,
  });
  const owned = renderedDocs.flatMap(ownedPaths);
  const isOwned = (file: string) =>
    renderedFiles.has(file) || owned.some((p) => file === p || file.startsWith(`${p}/`));
  const renderedNames = new Set(renderedDocs.map((d) => d.name));
  const plainObjects = objects.filter(
    (o) => !isOwned(o.file) && !(isBundleDocument(o.object) && renderedNames.has(o.object.metadata.name)),
  );
  const failures = allFailures.filter((f) => !isOwned(f.file));
  const discovery = discoverBundles({ objects: plainObjects, failures });
  // A custom resource is cluster scoped when a CRD anywhere in the plain YAML says so, as discovery decided when it defaulted namespaces.
  const plainClusterKinds = clusterScopedCustomKinds(plainObjects.map((o) => o.object));

  const bundles = assembleBundleList({ plain: discovery.bundles, plainClusterKinds, renderedDocs, rendered, bundle });
  return {
    bundles,
    blocked: discovery.blocked,
    failures,
    anyFailure: allFailures.length > 0,
    declared: [...discovery.bundles, ...discovery.blocked].map((b) => b.bundle.name).concat([...renderedNames]),
    renders,
    files: files.length,
  };
}

/** Per rendered bundle: its targets' members and renderer, or its own failure. */
type Rendered = Map<string, { targets: TargetMembers[]; renderer: RendererInfo } | DroverError>;

/**
 * Renders each of `docs` through lib/render's driver (the render cache
 * beside the state database): per bundle its targets' members or its own
 * failure, the repository files the renders read, and the runs.
 */
async function readRenderedBundles({
  ws,
  source,
  commit,
  budget,
  docs,
  onEvent,
  signal,
}: {
  ws: { config: DroverConfig; env: NodeJS.ProcessEnv };
  source: Source;
  commit: string;
  budget: TreeBudget;
  docs: BundleDocument[];
  onEvent: OnEvent;
  signal: AbortSignal | undefined;
}): Promise<{ rendered: Rendered; renderedFiles: Set<string>; renders: RenderRun[] }> {
  const readDir = memoize((dir: string) =>
    source
      .readFiles({ commit, paths: dir ? [dir] : [], binary: true, budget, signal })
      .then((fs) =>
        fs.map((f) => ({ path: f.path, oid: f.oid, text: f.text, ...(f.bytes ? { bytes: f.bytes } : {}) })),
      ),
  );
  const cache = openRenderCache({
    dir: join(dirname(ws.config.state), 'render-cache'),
    maxBytes: ws.config.render.cacheMaxBytes,
    onEvent,
  });
  const rendered: Rendered = new Map();
  const renderedFiles = new Set<string>();
  const renders: RenderRun[] = [];
  for (const d of docs) {
    try {
      const r = await renderBundle({
        bundle: d,
        read: readDir,
        cache,
        settings: ws.config.render,
        environments: ws.config.environments,
        env: ws.env,
        baseDir: dirname(ws.config.file),
        onEvent,
        signal,
      });
      renders.push(
        ...r.targets.map((t) => ({ bundle: d.name, ...(t.name ? { target: t.name } : {}), cached: t.cached })),
      );
      for (const t of r.targets) for (const f of t.files) renderedFiles.add(f);
      rendered.set(d.name, {
        renderer: r.renderer,
        targets: r.targets.map((t) => ({
          name: t.name,
          ...discoverMembers({ bundle: d, objects: t.objects }),
          files: t.files,
          clusterKinds: clusterScopedCustomKinds(t.objects.map((o) => o.object)),
        })),
      });
    } catch (err) {
      // Content past the limits is the whole source's, not this bundle's.
      if (signal?.aborted || err instanceof TreeLimitError) throw err;
      rendered.set(d.name, toDroverError(err));
    }
  }
  return { rendered, renderedFiles, renders };
}

/** Plain and rendered bundles as one list (or `bundle` alone), sorted by name; a rendered one's `targets()` throws its failure. */
function assembleBundleList({
  plain,
  plainClusterKinds,
  renderedDocs,
  rendered,
  bundle,
}: {
  plain: BundleMembers[];
  plainClusterKinds: TargetMembers['clusterKinds'];
  renderedDocs: BundleDocument[];
  rendered: Rendered;
  bundle: string | undefined;
}): BundleAtCommit[] {
  return [
    ...plain.map((b) => ({
      doc: b.bundle,
      targets: () => ({ targets: plainTargets(b).map((t) => ({ ...t, clusterKinds: plainClusterKinds })) }),
    })),
    ...renderedDocs
      .filter((d) => rendered.has(d.name))
      .map((d) => ({
        doc: d,
        targets: () => {
          const r = rendered.get(d.name)!;
          if (r instanceof Error) throw r;
          return r;
        },
      })),
  ]
    .filter((b) => !bundle || b.doc.name === bundle)
    .sort((a, b) => (a.doc.name < b.doc.name ? -1 : 1));
}

/** The targets of a plain-YAML bundle: its members as discovered, patched per declared target (or one variant). */
function plainTargets(b: BundleMembers): TargetMembers[] {
  const files = [...new Set(b.members.map((m) => m.file))];
  const targets = b.bundle.spec.targets;
  if (!targets) return [{ name: undefined, members: b.members, unresolved: b.unresolved, files }];
  return targets.map((t) => {
    const patched = t.patches?.length
      ? applyTargetPatches({
          members: b.members.map((m) => m.object),
          patches: t.patches,
          where: `${b.bundle.file}: bundle ${b.bundle.name}, target ${t.name}`,
        })
      : undefined;
    const members = patched
      ? b.members.map((m, i) => ({ ...m, object: patched[i]!, digest: contentDigest(patched[i]!) }))
      : b.members;
    return { name: t.name, members, unresolved: b.unresolved, files };
  });
}

function memoize<T>(f: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const seen = new Map<string, Promise<T>>();
  return (key) => {
    if (!seen.has(key)) seen.set(key, f(key));
    return seen.get(key)!;
  };
}

/**
 * Every target of a kustomize bundle, rendered for a cut: each target's input
 * closure resolved from the repository at the commit (lib/render/closure.ts),
 * its render taken from the render cache when the closure and the Kustomize
 * version are the same as a render already done (the cache key decides
 * whether to run Kustomize, never what the version holds: the output is
 * compared member by member afterwards, as for plain YAML), else `kustomize
 * build` in a sandbox holding just that closure (lib/workspace/render-cache.ts).
 * Renders run side by side up to `render.kustomize.concurrency`.
 *
 * SOPS-encrypted Secrets pass through still encrypted: a rendered one equal
 * to its file in Git is replaced by that file's object (Kustomize reorders
 * keys, and the MAC depends on their order); one Kustomize changed (a
 * namespace, label or name prefix added) is refused, since its MAC would
 * fail only at apply time, unless the file was encrypted with
 * `mac_only_encrypted`.
 *
 * @example
 *   const r = await renderKustomizeTargets({ bundle, read, binary, settings, cache });
 *   r.targets.map((t) => [t.name, t.objects.length, t.cached])
 */
import type { BundleDocument } from '../bundle/bundle-doc.ts';
import { InvalidInputError } from '../errors/errors.ts';
import { stableStringify } from '../object/canonical.ts';
import { formatRef, type KubeObject, refOf } from '../object/ref.ts';
import { type LoadedObject, loadObjects } from '../object/yaml.ts';
import type { OnEvent } from '../progress.ts';
import { mapLimit } from '../foundation/map-limit.ts';
import { type Closure, type RepoFile, resolveClosure } from '../render/closure.ts';
import { kustomizeBuild, kustomizeVersion } from '../render/kustomize.ts';
import { openSandbox } from '../render/sandbox.ts';
import type { RenderConfig } from '../config/config.ts';
import type { RenderCache } from './render-cache.ts';
import type { RenderedBundle, RenderedTarget } from './rendered.ts';

const SOPS_MAC = (o: KubeObject) => (o.sops as { mac?: unknown } | undefined)?.mac;

/** Encrypted objects of the closure's files, by MAC. */
function encryptedSources(closure: Closure): Map<string, { object: KubeObject; file: string }> {
  const out = new Map<string, { object: KubeObject; file: string }>();
  for (const f of closure.files) {
    if (!/\bsops:/.test(f.text)) continue;
    let objects: LoadedObject[];
    try {
      objects = loadObjects({ files: [{ path: f.path, text: f.text }] });
    } catch {
      continue; // not manifests (a generator's input): a secretGenerator over SOPS is refused by the closure
    }
    for (const o of objects) {
      const mac = SOPS_MAC(o.object);
      if (typeof mac === 'string') out.set(mac, { object: o.object, file: f.path });
    }
  }
  return out;
}

function restoreEncrypted({
  objects,
  closure,
  where,
}: {
  objects: LoadedObject[];
  closure: Closure;
  where: string;
}): LoadedObject[] {
  const sources = encryptedSources(closure);
  return objects.map((o) => {
    const mac = SOPS_MAC(o.object);
    if (typeof mac !== 'string') return o;
    const src = sources.get(mac);
    const ref = formatRef(refOf(o.object));
    if (!src)
      throw new InvalidInputError(
        `${where}: ${ref} is SOPS-encrypted but comes from no encrypted file of the kustomization`,
        { data: { ref, reason: 'sops-origin' } },
      );
    // Compared with keys sorted: Kustomize reorders them, and order is exactly what the original keeps for the MAC.
    if (stableStringify(src.object) === stableStringify(o.object)) return { ...o, object: src.object, file: src.file };
    if ((src.object.sops as { mac_only_encrypted?: unknown }).mac_only_encrypted === true) return o;
    throw new InvalidInputError(
      `${where}: ${ref} is SOPS-encrypted and Kustomize changed it from ${src.file} (a namespace, label or name prefix added?): its MAC would fail at apply time. Keep Kustomize from changing encrypted Secrets, or encrypt the file with --mac-only-encrypted`,
      { data: { ref, file: src.file, reason: 'sops-changed' } },
    );
  });
}

export async function renderKustomizeTargets({
  bundle,
  read,
  binary,
  settings,
  cache,
  onEvent = () => {},
  signal,
}: {
  bundle: BundleDocument;
  /** The files of the repository at the commit under a directory (recursively). */
  read: (dir: string) => Promise<RepoFile[]>;
  /** The resolved kustomize binary. */
  binary: string;
  settings: RenderConfig['kustomize'];
  cache: RenderCache;
  onEvent?: OnEvent;
  signal?: AbortSignal;
}): Promise<RenderedBundle> {
  const version = await kustomizeVersion(binary);
  const spec = bundle.spec;
  const targets = (spec.targets ?? [{ name: undefined as string | undefined }]).map((t) => ({
    name: t.name as string | undefined,
    dir: ('path' in t && t.path) || spec.kustomize!.path!,
  }));
  const rendered = await mapLimit(targets, settings.concurrency, async (t): Promise<RenderedTarget> => {
    const where = `${bundle.file}: bundle ${bundle.name}${t.name ? `, target ${t.name}` : ''} (kustomize build ${t.dir})`;
    let closure: Closure;
    try {
      closure = await resolveClosure({ dir: t.dir, read, allowRemote: spec.kustomize!.allowRemote });
    } catch (err) {
      if (err instanceof InvalidInputError)
        throw new InvalidInputError(`${where}: ${err.message}`, {
          data: { ...err.data, bundle: bundle.name, target: t.name },
          cause: err,
        });
      throw err;
    }
    // Targets with the same inputs (two of them rendering one overlay) share one render.
    const key = `${closure.digest.slice('sha256:'.length)}-kustomize-${version.replace(/[^a-zA-Z0-9.]/g, '_')}`;
    const { text, cached } = await cache.get(key, async () => {
      onEvent({
        phase: 'render',
        subject: bundle.name,
        message: `kustomize build ${t.dir}${t.name ? ` (${t.name})` : ''}`,
      });
      const box = await openSandbox({ files: closure.files });
      try {
        return await kustomizeBuild({
          sandbox: box,
          dir: t.dir,
          binary,
          timeoutMs: settings.timeoutSeconds * 1000,
          maxOutputBytes: settings.maxOutputBytes,
          what: where,
          signal,
        });
      } finally {
        await box.close();
      }
    });
    const objects = restoreEncrypted({
      objects: loadObjects({ files: [{ path: `${t.dir} (kustomize build)`, text }] }),
      closure,
      where,
    });
    return { name: t.name, objects, files: closure.files.map((f) => f.path), cached };
  });
  return { renderer: { name: 'kustomize', version }, targets: rendered };
}

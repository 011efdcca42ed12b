/**
 * The Kustomize renderer: the real `kustomize` binary, called as Argo CD
 * calls it (there is no maintained Kustomize library for Node), `kustomize
 * build <dir>` with Kustomize's root-only load restriction, run by the
 * driver (render-bundle.ts) in a sandbox holding the target's input closure
 * (closure.ts: the kustomizations it builds on and every file they load,
 * with their refusals). A bundle asks for it with `spec.kustomize`; each
 * target renders its own directory (`targets[].path`, else
 * `spec.kustomize.path`). The cache key is the closure's digest: the same
 * files give the same output.
 *
 * SOPS-encrypted Secrets pass through still encrypted: a rendered one equal
 * to its file in Git is replaced by that file's object (Kustomize reorders
 * keys, and the MAC depends on their order); one Kustomize changed (a
 * namespace, label or name prefix added) is refused, since its MAC would
 * fail only at apply time, unless the file was encrypted with
 * `mac_only_encrypted`.
 *
 * @example
 *   const prepared = await kustomizeRenderer.prepare({ bundle, target, read, environments, where });
 *   const run = { sandbox, binary, timeoutMs: 60_000, maxOutputBytes: 64 << 20, capSetting: 'render.kustomize.maxOutputBytes', what: where };
 *   const objects = prepared.objects(await prepared.run(run), renderOutputLimits(run.maxOutputBytes));
 */
import type { BundleDocument, TargetSpec } from '../bundle/bundle-doc.ts';
import { InvalidInputError } from '../errors/errors.ts';
import { stableStringify } from '../object/canonical.ts';
import { formatRef, type KubeObject, refOf } from '../object/ref.ts';
import { type LoadedObject, loadObjects } from '../object/yaml.ts';
import { type Closure, resolveClosure } from './closure.ts';
import type { Renderer } from './renderer.ts';

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

/** The kustomization directory a target builds: its own path, else the bundle's. */
const dirOf = (bundle: BundleDocument, target: TargetSpec | undefined): string =>
  target?.path || bundle.spec.kustomize!.path!;

export const kustomizeRenderer = {
  name: 'kustomize',
  install: 'go install sigs.k8s.io/kustomize/kustomize/v5@v5.8.1',
  versionArgs: ['version'],
  /** `v5.8.1` (older releases print `{Version:kustomize/v4...}`). */
  readVersion: (stdout) =>
    stdout
      .trim()
      .split('\n')[0]!
      .replace(/^\{?Version:/, '')
      .trim(),
  renders: (bundle) => !!bundle.spec.kustomize,
  ownedPaths: (bundle) =>
    [bundle.spec.kustomize?.path, ...(bundle.spec.targets ?? []).map((t) => t.path)].filter((x): x is string => !!x),
  command: (bundle, target) => `kustomize build ${dirOf(bundle, target)}`,
  async prepare({ bundle, target, read, where, allowRemote }) {
    const dir = dirOf(bundle, target);
    const closure = await resolveClosure({
      dir,
      read,
      remote: {
        operator: allowRemote,
        bundle: bundle.spec.kustomize!.allowRemote,
        bundleSetting: 'spec.kustomize.allowRemote',
      },
    });
    return {
      files: closure.files,
      // Targets with the same inputs (two of them rendering one overlay) share one render.
      key: closure.digest.slice('sha256:'.length),
      run: async ({ sandbox, ...run }) =>
        (
          await sandbox.run({
            command: run.binary,
            args: ['build', dir, '--load-restrictor', 'LoadRestrictionsRootOnly'],
            timeoutMs: run.timeoutMs,
            maxOutputBytes: run.maxOutputBytes,
            capSetting: run.capSetting,
            what: run.what,
            // Only a render allowed to fetch gets a network; every other one runs with none at all.
            network: closure.remote.length > 0 ? 'remote' : 'none',
            signal: run.signal,
          })
        ).stdout,
      objects: (output, limits) =>
        restoreEncrypted({
          objects: loadObjects({ files: [{ path: `${dir} (kustomize build)`, text: output }], limits }),
          closure,
          where,
        }),
    };
  },
} as const satisfies Renderer;

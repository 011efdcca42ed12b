/**
 * The one driver of every renderer (renderers.ts): which one a Bundle
 * document asks for, which repository paths it owns before anything is
 * rendered (plain discovery leaves them alone: an overlay's patch or a
 * chart's template is not a manifest), and one call that renders every
 * target of a bundle with it. For each target, up to the renderer's
 * `concurrency` side by side: the renderer prepares the render (its input
 * closure, with its refusals), the output comes from the render cache when
 * the closure, the arguments and the binary's version are those of a render
 * already done, else the render runs in a sandbox holding just the closure,
 * and the renderer reads the objects out of it. Every renderer returns the
 * same shape: per target, the objects, the repository files the render read
 * (for change detection and the version's changed paths), and whether the
 * render came from the cache.
 *
 * An adapter (lib/render): what it needs of drover.yaml and the process
 * (the `render` settings, the environments, the env and the config's
 * directory the binary is looked up with, a reader of the repository at the
 * commit, the render cache) is handed in.
 *
 * @example
 *   const r = await renderBundle({ bundle, read, cache, settings: config.render, environments: config.environments, env, baseDir });
 *   r.renderer // => { name: 'helm', version: 'v3.22.0' }
 */
import type { BundleDocument, TargetSpec } from '../bundle/bundle-doc.ts';
import type { RendererInfo } from '../bundle/pack.ts';
import { InvalidInputError } from '../errors/errors.ts';
import { mapLimit } from '../foundation/map-limit.ts';
import type { LoadedObject } from '../object/yaml.ts';
import type { OnEvent } from '../progress.ts';
import { binaryVersion } from './binary-version.ts';
import { findBinary } from './find-binary.ts';
import type { RenderCache } from './render-cache.ts';
import { renderOutputLimits } from './output-limits.ts';
import type { AllowRemote } from './remote-policy.ts';
import type { PrepareArgs, ReadRepo } from './renderer.ts';
import { RENDERERS, type RendererName } from './renderers.ts';
import { openSandbox } from './sandbox.ts';

export interface RenderedTarget {
  /** The target's name; undefined for a bundle without targets (one variant). */
  name: string | undefined;
  objects: LoadedObject[];
  /** Every repository file the render read, sorted. */
  files: string[];
  /** True when the render came from the cache and the renderer did not run. */
  cached: boolean;
}

export interface RenderedBundle {
  renderer: RendererInfo & { name: RendererName };
  targets: RenderedTarget[];
}

/** The renderer a bundle asks for; undefined: plain YAML. */
export function rendererOf(bundle: BundleDocument): (typeof RENDERERS)[number] | undefined {
  return RENDERERS.find((r) => r.renders(bundle));
}

/** Repository directories and files a rendered bundle owns before its render says more; [] for plain YAML. */
export function ownedPaths(bundle: BundleDocument): string[] {
  return rendererOf(bundle)?.ownedPaths(bundle) ?? [];
}

export async function renderBundle({
  bundle,
  read,
  cache,
  settings,
  environments,
  env,
  baseDir,
  onEvent = () => {},
  signal,
}: {
  bundle: BundleDocument;
  read: ReadRepo;
  cache: RenderCache;
  /** drover.yaml's `render`: each renderer's binary and limits. */
  settings: Readonly<
    Record<RendererName, { binary: string; timeoutSeconds: number; maxOutputBytes: number; concurrency: number }>
  > & {
    /** Whether a bundle may opt in to remote references (absent: never). */
    readonly allowRemote?: AllowRemote;
  };
  environments: PrepareArgs['environments'];
  /** The process environment a bare binary name is looked up on (PATH, HOME). */
  env: NodeJS.ProcessEnv;
  /** What a relative binary path is relative to: drover.yaml's directory. */
  baseDir: string;
  onEvent?: OnEvent;
  signal?: AbortSignal;
}): Promise<RenderedBundle> {
  const renderer = rendererOf(bundle);
  if (!renderer) throw new Error(`bundle ${bundle.name} is plain YAML: nothing to render`);
  const s = settings[renderer.name];
  const name = renderer.name;
  const capSetting = `render.${name}.maxOutputBytes`;
  const binary = findBinary({ name: s.binary, baseDir, env, renderer: name, install: renderer.install });
  const version = await binaryVersion({ renderer, binary });
  const targets: readonly (TargetSpec | undefined)[] = bundle.spec.targets ?? [undefined];
  const rendered = await mapLimit(targets, s.concurrency, async (target): Promise<RenderedTarget> => {
    const command = renderer.command(bundle, target);
    const where = `${bundle.file}: bundle ${bundle.name}${target ? `, target ${target.name}` : ''} (${command})`;
    const allowRemote = settings.allowRemote ?? 'never';
    const prepare = () => renderer.prepare({ bundle, target, read, environments, where, allowRemote });
    const prepared = await named({ where, bundle, target }, prepare);
    const key = `${prepared.key}-${name}-${version.replace(/[^a-zA-Z0-9.]/g, '_')}`;
    const { text, cached } = await cache.get(key, async () => {
      onEvent({ phase: 'render', subject: bundle.name, message: `${command}${target ? ` (${target.name})` : ''}` });
      const sandbox = await openSandbox({ files: prepared.files });
      try {
        return await prepared.run({
          sandbox,
          binary,
          timeoutMs: s.timeoutSeconds * 1000,
          maxOutputBytes: s.maxOutputBytes,
          capSetting,
          what: where,
          signal,
        });
      } finally {
        await sandbox.close();
      }
    });
    // A render kept from before the cap was lowered is held to the cap as a fresh one is.
    if (Buffer.byteLength(text, 'utf8') > s.maxOutputBytes)
      throw new InvalidInputError(`${where}: ${name} wrote more than ${s.maxOutputBytes} bytes (${capSetting})`, {
        data: { bundle: bundle.name, target: target?.name, reason: 'output-cap' },
      });
    const objects = await named({ where, bundle, target }, () =>
      prepared.objects(text, renderOutputLimits(s.maxOutputBytes)),
    );
    return { name: target?.name, objects, files: prepared.files.map((f) => f.path), cached };
  });
  return { renderer: { name, version }, targets: rendered };
}

/** What `f` returns; a refusal it throws is named by the render (`<file>: bundle web, target prod (...)`), unless it already is. */
async function named<T>(
  { where, bundle, target }: { where: string; bundle: BundleDocument; target: TargetSpec | undefined },
  f: () => T | Promise<T>,
): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof InvalidInputError && !err.message.startsWith(where))
      throw new InvalidInputError(`${where}: ${err.message}`, {
        data: { ...err.data, bundle: bundle.name, target: target?.name },
        cause: err,
      });
    throw err;
  }
}

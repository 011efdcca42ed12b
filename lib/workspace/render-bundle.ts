/**
 * The renderers, side by side: which one a Bundle document asks for
 * (`spec.kustomize`, `spec.helm`, else plain YAML), which repository paths it
 * owns before anything is rendered (plain discovery leaves them alone: an
 * overlay's patch or a chart's template is not a manifest), and one call
 * that renders every target of a bundle with it. Each renderer returns the
 * same shape: per target, the objects it rendered, the repository files the
 * render read (for change detection and the version's changed paths), and
 * whether the render came from the cache.
 *
 * @example
 *   const r = await renderBundle({ ws, bundle, read, cache, env });
 *   r.renderer // => { name: 'helm', version: 'v3.22.0' }
 */
import { dirname } from 'node:path';
import type { BundleDocument } from '../bundle/bundle-doc.ts';
import type { OnEvent } from '../progress.ts';
import type { RepoFile } from '../render/closure.ts';
import { findBinary } from '../render/find-binary.ts';
import type { RenderCache } from './render-cache.ts';
import type { RenderedBundle } from './rendered.ts';
import { renderHelmTargets } from './render-helm.ts';
import { renderKustomizeTargets } from './render-kustomize.ts';
import type { Workspace } from './workspace.ts';

/** The renderer a bundle asks for; undefined: plain YAML. */
export function rendererOf(bundle: BundleDocument): 'kustomize' | 'helm' | undefined {
  return bundle.spec.kustomize ? 'kustomize' : bundle.spec.helm ? 'helm' : undefined;
}

/** Repository directories and files a rendered bundle owns before its render says more (its kustomizations, its chart and values). */
export function ownedPaths(bundle: BundleDocument): string[] {
  const s = bundle.spec;
  if (s.kustomize) return [s.kustomize.path, ...(s.targets ?? []).map((t) => t.path)].filter((x): x is string => !!x);
  if (s.helm) return [s.helm.chart, ...s.helm.values, ...(s.targets ?? []).flatMap((t) => t.values ?? [])];
  return [];
}

export async function renderBundle({
  ws,
  bundle,
  read,
  cache,
  onEvent,
  signal,
}: {
  ws: Workspace;
  bundle: BundleDocument;
  read: (dir: string) => Promise<RepoFile[]>;
  cache: RenderCache;
  onEvent?: OnEvent;
  signal?: AbortSignal;
}): Promise<RenderedBundle> {
  const renderer = rendererOf(bundle);
  if (!renderer) throw new Error(`bundle ${bundle.name} is plain YAML: nothing to render`);
  const settings = ws.config.render[renderer];
  const binary = findBinary({ name: settings.binary, baseDir: dirname(ws.config.file), env: ws.env, renderer });
  const common = {
    bundle,
    read,
    binary,
    settings,
    cache,
    onEvent,
    signal,
  };
  return renderer === 'kustomize'
    ? renderKustomizeTargets(common)
    : renderHelmTargets({ ...common, environments: ws.config.environments });
}

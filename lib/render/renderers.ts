/**
 * Every renderer Drover runs, in the order a Bundle document is matched
 * against them (a bundle has one renderer; with none it is plain YAML). A
 * new renderer is one file implementing `Renderer` (renderer.ts) and its
 * line here.
 *
 * @example
 *   RENDERERS.find((r) => r.renders(bundle))?.name // => 'helm'
 */
import { helmRenderer } from './helm.ts';
import { kustomizeRenderer } from './kustomize.ts';
import type { Renderer } from './renderer.ts';

export const RENDERERS = [kustomizeRenderer, helmRenderer] as const satisfies readonly Renderer[];

/** A renderer's name: `spec.<name>` of a Bundle document, `render.<name>` of drover.yaml. */
export type RendererName = (typeof RENDERERS)[number]['name'];

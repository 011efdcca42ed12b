/** What every renderer gives for a bundle (lib/workspace/render-bundle.ts): per target, its objects, the files it read, and whether it came from the cache. */
import type { RendererInfo } from '../bundle/pack.ts';
import type { LoadedObject } from '../object/yaml.ts';

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
  renderer: RendererInfo & { name: 'kustomize' | 'helm' };
  targets: RenderedTarget[];
}

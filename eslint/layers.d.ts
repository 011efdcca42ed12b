// Types of layers.js (plain JS, since eslint.config.js loads it without a TypeScript loader).
import type { ESLint } from 'eslint';

export interface Layer {
  name: string;
  paths: string[];
  may: string[];
}
export declare const LAYERS: Layer[];
export declare function layerOf(path: string): (Layer & { folder: string }) | undefined;
export declare function layerViolation(from: string, to: string): string | undefined;
declare const plugin: ESLint.Plugin;
export default plugin;

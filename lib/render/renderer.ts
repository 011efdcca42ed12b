/**
 * What a renderer is, to the one driver that runs them all
 * (render-bundle.ts): a binary that turns repository files into manifests
 * (`kustomize build`, `helm template`). The driver finds the binary, asks its
 * version, and for every target of a bundle asks the renderer to prepare the
 * render (resolve the target's input closure from the repository at the
 * commit, with the renderer's refusals), then takes the output from the
 * render cache under the closure's key, or runs the prepared render in a
 * sandbox holding just those files, and asks the renderer to read the
 * objects out of it. What is particular to one renderer (its arguments,
 * Helm's double render, Kustomize's encrypted Secrets) stays in its own file.
 *
 * @example
 *   export const kustomizeRenderer: Renderer = { name: 'kustomize', renders: (b) => !!b.spec.kustomize, ... };
 */
import type { BundleDocument, TargetSpec } from '../bundle/bundle-doc.ts';
import type { LoadedObject, YamlLimits } from '../object/yaml.ts';
import type { AllowRemote } from './remote-policy.ts';
import type { Sandbox } from './sandbox.ts';

export interface RepoFile {
  path: string;
  /** The blob id (any content hash will do: it feeds the cache key). */
  oid: string;
  /** The content as text ('' for a binary file). */
  text: string;
  /** The content of a file that is not UTF-8 (a chart's .tgz dependency, a generator's data). */
  bytes?: Uint8Array;
}

/** The files of the repository at the commit under a directory (recursively; binary ones as bytes; '' is the root). */
export type ReadRepo = (dir: string) => Promise<RepoFile[]>;

export interface Renderer {
  /** The Bundle document's field that asks for it (`spec.<name>`), its settings in drover.yaml (`render.<name>`), the provenance's renderer. */
  readonly name: string;
  /** The command .ci/setup installs its binary with (pinned), said when the binary is missing. */
  readonly install: string;
  /** The arguments that make the binary print its version. */
  readonly versionArgs: readonly string[];
  /** The version (`v5.8.1`) out of what `versionArgs` printed. */
  readVersion(stdout: string): string;
  /** Whether a Bundle document asks for this renderer. */
  renders(bundle: BundleDocument): boolean;
  /** Repository directories and files the bundle owns before its render says more: plain discovery leaves them alone (an overlay's patch, a chart's template is not a manifest). */
  ownedPaths(bundle: BundleDocument): string[];
  /** The command a target's render is named by in messages and progress (`kustomize build apps/web/overlays/prod`). */
  command(bundle: BundleDocument, target: TargetSpec | undefined): string;
  /** One target's render: its input closure read from the repository (refusals thrown as InvalidInputError), how to run it and how to read its output. */
  prepare(args: PrepareArgs): Promise<PreparedRender>;
}

export interface PrepareArgs {
  bundle: BundleDocument;
  /** undefined: a bundle without targets (one variant for every cluster). */
  target: TargetSpec | undefined;
  read: ReadRepo;
  /** drover.yaml's environments: what a target's environment says of its clusters (Helm's capabilities). */
  environments: readonly { name: string; capabilities?: { kubeVersion?: string; apiVersions?: readonly string[] } }[];
  /** How messages name this render: `<file>: bundle web, target prod (kustomize build ...)`. */
  where: string;
  /** drover.yaml's `render.allowRemote`: whether a bundle may opt in to remote references at all. */
  allowRemote: AllowRemote;
}

export interface PreparedRender {
  /** Every repository file the render may read, sorted by path: the sandbox holds these and nothing else. */
  files: RepoFile[];
  /** What the output depends on besides the binary's version (the closure's digest, the arguments'): the start of the cache key. */
  key: string;
  /** Runs the binary in the sandbox; what it wrote. */
  run(run: SandboxRun): Promise<string>;
  /** The objects of an output (fresh or from the cache), parsed under `limits` (output-limits.ts), with the renderer's refusals of what it rendered. */
  objects(output: string, limits: Partial<YamlLimits>): LoadedObject[];
}

/** Where and how a prepared render runs: the sandbox, the binary and the limits of drover.yaml's `render.<name>`. */
export interface SandboxRun {
  sandbox: Sandbox;
  binary: string;
  timeoutMs: number;
  maxOutputBytes: number;
  /** The setting the output cap comes from, named when a render goes over it: `render.kustomize.maxOutputBytes`. */
  capSetting: string;
  /** How errors name the render. */
  what: string;
  signal?: AbortSignal;
}

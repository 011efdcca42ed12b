// Drover's layering (ARCHITECTURE.md), as an ESLint rule, so a wrong import
// fails `npm test` instead of waiting for a review. Each file belongs to the
// layer of its folder; an import (static, dynamic, or a re-export) of a
// relative path is resolved and its layer looked up; the table says which
// layers a layer may import. Tests, fixtures and benchmarks are not layered:
// they may reach into anything to test it.
//
// Written here rather than taken from eslint-plugin-boundaries or
// dependency-cruiser: those need a TypeScript resolver and a second
// configuration language for what is a dozen lines of data below.
import { dirname, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

/**
 * Layers from the bottom up, each with the path prefixes it holds. A layer
 * may import its own folder's files and the layers named in `may`; an
 * adapter never imports another adapter, an engine only engines below it.
 */
/** Everything below the rollout engine: what the application layer (verbs, loop, the public API) builds on. */
const ENGINES = ['foundation', 'pure', 'adapter', 'schedule', 'events', 'release', 'repo', 'monitor', 'workspace'];

export const LAYERS = [
  // Its folders may use each other (errors redact credentials with lib/foundation/redact.ts); the cycle test keeps them apart.
  { name: 'foundation', paths: ['lib/errors/', 'lib/progress.ts', 'lib/foundation/'], may: ['foundation'] },
  {
    name: 'pure',
    paths: ['lib/object/', 'lib/bundle/', 'lib/health/', 'lib/drift/', 'lib/sops/', 'lib/protocol/', 'lib/signature/'],
    may: ['foundation', 'pure'],
  },
  {
    name: 'adapter',
    paths: ['lib/config/', 'lib/source/', 'lib/oci/', 'lib/cluster/', 'lib/state/', 'lib/render/'],
    may: ['foundation', 'pure'],
  },
  { name: 'schedule', paths: ['lib/schedule/'], may: ['foundation', 'pure'] },
  { name: 'events', paths: ['lib/events/'], may: ['foundation', 'pure', 'adapter'] },
  { name: 'release', paths: ['lib/release/'], may: ['foundation', 'pure', 'adapter', 'schedule', 'events'] },
  // The repository's bundles at a commit: over the source and render adapters; takes a workspace's config and env, not the workspace.
  { name: 'repo', paths: ['lib/repo/'], may: ['foundation', 'pure', 'adapter'] },
  // Opening a workspace: the adapters put together (config, state, stores, clusters); no engine work.
  { name: 'workspace', paths: ['lib/workspace/'], may: ['foundation', 'pure', 'adapter'] },
  {
    name: 'monitor',
    paths: ['lib/monitor/'],
    may: ['foundation', 'pure', 'adapter', 'schedule', 'events', 'release', 'repo', 'workspace'],
  },
  // Moving an environment to a version: plan, channel transaction, fan-out, quarantine, one outcome.
  {
    name: 'rollout',
    paths: ['lib/rollout/'],
    may: ['foundation', 'pure', 'adapter', 'schedule', 'events', 'release', 'repo', 'workspace', 'monitor'],
  },
  { name: 'verbs', paths: ['lib/verbs/'], may: [...ENGINES, 'rollout', 'verbs'] },
  { name: 'loop', paths: ['lib/loop/'], may: [...ENGINES, 'rollout', 'verbs'] },
  { name: 'api', paths: ['lib/index.ts'], may: [...ENGINES, 'rollout', 'verbs', 'loop'] },
  { name: 'interface', paths: ['cmd/', 'http/'], may: ['api'] },
];

const UNLAYERED = [/\.test\.ts$/, /\/testdata\//, /^fixtures\//, /^bench\//, /^deploy\//, /^eslint\//];

/** The layer of a repository-relative path, or undefined for a file outside the layered tree. */
export function layerOf(path) {
  let best;
  for (const layer of LAYERS) {
    for (const p of layer.paths)
      if ((path === p || path.startsWith(p)) && (!best || p.length > best.prefix.length)) best = { layer, prefix: p };
  }
  return best && { ...best.layer, folder: best.prefix };
}

/** Why `from` may not import `to` (repository-relative paths), or undefined when it may. */
export function layerViolation(from, to) {
  if (UNLAYERED.some((re) => re.test(from))) return undefined;
  const a = layerOf(from);
  const b = layerOf(to);
  if (!a || !b) return undefined;
  if (a.folder === b.folder) return undefined;
  if (a.name === 'interface')
    return b.name === 'api' || b.name === 'interface'
      ? undefined
      : `${from} is an interface: from lib/ it may import only the public API, lib/index.ts (not ${to})`;
  if (a.may.includes(b.name)) return undefined;
  return `${a.name} module ${from} may not import ${to} (${b.name}): ${a.may.length ? `${a.name} imports only ${a.may.join(', ')}` : 'it imports nothing else of lib/'} (ARCHITECTURE.md)`;
}

function check(context, node, source) {
  if (!source || typeof source.value !== 'string' || !source.value.startsWith('.')) return;
  const file = relative(ROOT, context.filename);
  const target = relative(ROOT, resolve(dirname(context.filename), source.value));
  const why = layerViolation(file, target);
  if (why) context.report({ node: source, message: why });
}

export default {
  rules: {
    layers: {
      meta: { type: 'problem', docs: { description: "Imports follow Drover's layers (ARCHITECTURE.md)." }, schema: [] },
      create(context) {
        return {
          ImportDeclaration: (node) => check(context, node, node.source),
          ImportExpression: (node) => check(context, node, node.source.type === 'Literal' ? node.source : undefined),
          ExportAllDeclaration: (node) => check(context, node, node.source),
          ExportNamedDeclaration: (node) => check(context, node, node.source),
        };
      },
    },
  },
};

/**
 * The YAML parser's limits for what a renderer wrote. A render's output is
 * one stream (`kustomize build`) or one file per template (`helm template`),
 * so the parser's per-file cap (4 MiB, lib/object/yaml.ts), which protects
 * it from one hostile file of a Git repository, would refuse a render that
 * is well within its own cap: a few CRDs with large OpenAPI schemas make
 * 20 MiB in one stream. The render's cap, drover.yaml's
 * `render.<renderer>.maxOutputBytes` (64 MiB by default), is the one that
 * counts: the sandbox kills a renderer that writes more, and the same cap
 * bounds every file and the whole of what is parsed here. What still guards
 * the parser inside that (nesting depth, alias expansion, the number of
 * documents) is unchanged; the per-file cap on Git files stays as it is,
 * since no object a cluster can store comes near it (etcd's request limit
 * is 1.5 MiB) and a render reads its inputs from Git under it. Pure.
 *
 * @example
 *   loadObjects({ files, limits: renderOutputLimits(64 << 20) })
 */
import { DEFAULT_YAML_LIMITS, type YamlLimits } from '../object/yaml.ts';

export function renderOutputLimits(maxOutputBytes: number): Partial<YamlLimits> {
  return {
    maxFileBytes: maxOutputBytes,
    maxTotalBytes: Math.max(maxOutputBytes, DEFAULT_YAML_LIMITS.maxTotalBytes),
  };
}

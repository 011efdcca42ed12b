/**
 * The CLI's verbs: for each, its flags, the one library function it calls,
 * and how its result reads for a person. JSON output is the result's `data`.
 */
import type { ParseArgsOptionsConfig } from 'node:util';
import { UsageError } from '../lib/errors/errors.ts';
import type { OnEvent } from '../lib/progress.ts';
import { initConfig } from '../lib/workspace/init.ts';

export interface VerbContext {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
  configPath: string;
  onEvent: OnEvent;
  signal: AbortSignal;
}

export interface VerbResult {
  data: unknown;
  human?: string;
  exitCode?: number;
}

export interface Verb {
  name: string;
  usage: string;
  summary: string;
  options: ParseArgsOptionsConfig;
  run: (ctx: VerbContext) => Promise<VerbResult>;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export const verbs: Verb[] = [
  {
    name: 'init',
    usage: 'init [--source URL] [--registry REF] [--context C ...] [--force]',
    summary: 'write drover.yaml: sources, registry, environments, clusters',
    options: {
      source: { type: 'string' },
      branch: { type: 'string' },
      registry: { type: 'string' },
      context: { type: 'string', multiple: true },
      force: { type: 'boolean' },
    },
    run: async ({ values, positionals, configPath }) => {
      if (positionals.length > 0) throw new UsageError(`init takes no arguments (got ${positionals.join(' ')})`);
      const contexts = (values.context as string[] | undefined) ?? [];
      const r = await initConfig({
        path: configPath,
        ...(str(values.source) ? { source: str(values.source) } : {}),
        ...(str(values.branch) ? { branch: str(values.branch) } : {}),
        ...(str(values.registry) ? { registry: str(values.registry) } : {}),
        contexts,
        force: Boolean(values.force),
      });
      return { data: r, human: `wrote ${r.path}` };
    },
  },
];

/**
 * The CLI's one path: parse global flags and the verb, call the verb's one
 * library function, render its result (human or `--output json`), and turn
 * errors into exit codes, here and nowhere else.
 */
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { DroverError, ExitCode, UsageError, toDroverError } from '../lib/index.ts';
import { progressSink } from './render.ts';
import { type Verb, verbs } from './verbs.ts';

export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  stdin?: NodeJS.ReadStream;
}

/** A yes/no question on the terminal (stderr, so stdout stays the result); undefined without one. */
function terminalConfirm(io: Io): (question: string) => Promise<boolean | undefined> {
  return async (question) => {
    const stdin = io.stdin;
    if (!stdin?.isTTY) return undefined;
    const rl = createInterface({ input: stdin, output: io.stderr });
    try {
      return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
    } finally {
      rl.close();
    }
  };
}

const globalOptions = {
  config: { type: 'string', short: 'c' },
  output: { type: 'string', short: 'o' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

function usage(): string {
  const width = Math.max(...verbs.map((v) => v.usage.length));
  return [
    'usage: drover <verb> [flags]',
    '',
    ...verbs.map((v) => `  ${v.usage.padEnd(width)}  ${v.summary}`),
    '',
    'global flags: --config <file> (default ./drover.yaml)  --output json  --quiet',
  ].join('\n');
}

/**
 * The verb and its arguments, with global flags accepted before the verb as
 * kubectl, helm and flux do (`drover --config x.yaml status`): those are
 * moved after it, where the verb's parser reads them.
 */
export function splitVerb(argv: readonly string[]): { name: string | undefined; rest: string[] } {
  const before: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('-') || a === '--help' || a === '-h') break;
    const flag = a.replace(/^--?/, '').split('=')[0]!;
    const option = Object.entries(globalOptions).find(
      ([long, o]) => long === flag || ('short' in o && o.short === flag),
    );
    if (!option) break;
    before.push(a);
    if (option[1].type === 'string' && !a.includes('=') && i + 1 < argv.length) before.push(argv[++i]!);
  }
  const name = argv[i];
  return { name, rest: [...before, ...argv.slice(i + 1)] };
}

export async function main(argv: string[], io: Io): Promise<number> {
  const { name, rest } = splitVerb(argv);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${usage()}\n`);
    return name ? ExitCode.ok : ExitCode.usage;
  }
  const verb = verbs.find((v) => v.name === name);
  let json = rest.includes('json') && rest.some((a) => a === '--output' || a === '-o' || a === '--output=json');
  try {
    if (!verb) throw new UsageError(`unknown verb ${JSON.stringify(name)}; run drover --help`);
    const parsed = parseVerbArgs(verb, rest);
    json = parsed.values.output === 'json';
    if (parsed.values.output !== undefined && !json)
      throw new UsageError(`--output must be json (got ${String(parsed.values.output)})`);
    if (parsed.values.help) {
      io.stdout.write(`usage: drover ${verb.usage}\n${verb.summary}\n`);
      return ExitCode.ok;
    }
    const progress = progressSink(io.stderr, { quiet: Boolean(parsed.values.quiet) || json });
    const ac = new AbortController();
    const stop = () => ac.abort(new DroverError('interrupted'));
    process.once('SIGINT', stop);
    try {
      const result = await verb.run({
        values: parsed.values,
        positionals: parsed.positionals,
        configPath: (parsed.values.config as string | undefined) ?? io.env.DROVER_CONFIG ?? 'drover.yaml',
        onEvent: progress.onEvent,
        signal: ac.signal,
        confirm: terminalConfirm(io),
      });
      progress.done();
      // A failed outcome's error goes beside the result, as a thrown one's would, so a script reads `.error` either way.
      const data =
        json && result.failure && typeof result.data === 'object' && result.data !== null && !Array.isArray(result.data)
          ? { ...result.data, error: result.failure.toJSON() }
          : result.data;
      io.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : result.human ? `${result.human}\n` : '');
      if (!json && result.failure) io.stderr.write(`drover: ${result.failure.message}\n`);
      return result.failure?.exitCode ?? ExitCode.ok;
    } finally {
      process.off('SIGINT', stop);
    }
  } catch (err) {
    const e = toDroverError(err);
    if (json) io.stdout.write(`${JSON.stringify({ error: e.toJSON() }, null, 2)}\n`);
    else io.stderr.write(`drover: ${e.message}\n${e.exitCode === ExitCode.usage ? `\n${usage()}\n` : ''}`);
    if (e.code === 'E_INTERNAL' && io.env.DROVER_DEBUG) io.stderr.write(`${(err as Error).stack}\n`);
    return e.exitCode;
  }
}

function parseVerbArgs(verb: Verb, args: string[]) {
  try {
    return parseArgs({ args, options: { ...globalOptions, ...verb.options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${verb.name}: ${(err as Error).message}`);
  }
}

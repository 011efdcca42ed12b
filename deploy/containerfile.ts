/**
 * Reads a Containerfile (Dockerfile) well enough to check it against the
 * repository and the manifests without building it: this machine has no
 * image builder. Pure: text in, the final stage's facts out. Covers the
 * instructions deploy/Containerfile uses (ARG, FROM, COPY, ENV, RUN, USER,
 * ENTRYPOINT, CMD in exec form, line continuations), not the whole
 * Dockerfile grammar.
 *
 * @example
 *   const cf = parseContainerfile('FROM node:24-bookworm-slim\nUSER 65532:65532\nCMD ["serve"]\n');
 *   cf.final.user // '65532:65532'
 */
import { InvalidInputError } from '../lib/errors/errors.ts';

export interface Stage {
  /** The base image, with build arguments substituted. */
  from: string;
  /** `AS <name>`, if any. */
  name?: string;
  /** Sources of COPY instructions that read the build context (not `--from=`). */
  contextCopies: string[];
  /** COPY instructions that read another stage (`--from=<stage>`). */
  stageCopies: { from: string; sources: string[]; dest: string }[];
  /** RUN commands, arguments substituted, with the user and the ENV they run with. */
  runs: { command: string; user?: string; env: Record<string, string> }[];
  /** ENV as set at the end of the stage (what the image's processes start with). */
  env: Record<string, string>;
  user?: string;
  entrypoint?: string[];
  cmd?: string[];
}

export interface Containerfile {
  stages: Stage[];
  /** The stage the image is made of: the last one. */
  final: Stage;
}

export function parseContainerfile(text: string): Containerfile {
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  const substitute = (s: string) =>
    s.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => args.get((a ?? b)!) ?? '');
  const lines = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  for (const line of lines) {
    const m = /^(\w+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const instruction = m[1]!.toUpperCase();
    const rest = m[2]!;
    const stage = stages.at(-1);
    if (instruction === 'ARG') {
      const [name, value] = rest.split('=', 2);
      if (value !== undefined && !args.has(name!)) args.set(name!, value);
    } else if (instruction === 'FROM') {
      const [image, as, name] = rest.split(/\s+/);
      stages.push({
        from: substitute(image!),
        ...(as?.toUpperCase() === 'AS' && name ? { name } : {}),
        contextCopies: [],
        stageCopies: [],
        runs: [],
        env: {},
      });
    } else if (!stage) {
      throw new InvalidInputError(`Containerfile: ${instruction} before FROM`);
    } else if (instruction === 'COPY') {
      const words = rest.split(/\s+/);
      const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
      const paths = words.filter((w) => !w.startsWith('--'));
      if (from !== undefined)
        stage.stageCopies.push({ from: substitute(from), sources: paths.slice(0, -1), dest: paths.at(-1)! });
      else stage.contextCopies.push(...paths.slice(0, -1));
    } else if (instruction === 'ENV') {
      // `ENV NAME=value ...` (unquoted values) or the legacy `ENV NAME value`.
      const words = rest.split(/\s+/);
      const pairs = rest.includes('=')
        ? words
            .filter((w) => w.includes('='))
            .map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)] as const)
        : [[words[0]!, words.slice(1).join(' ')] as const];
      for (const [name, value] of pairs) stage.env[name] = substitute(value);
    } else if (instruction === 'RUN') {
      stage.runs.push({
        command: substitute(rest),
        ...(stage.user !== undefined ? { user: stage.user } : {}),
        env: { ...stage.env },
      });
    } else if (instruction === 'USER') {
      stage.user = substitute(rest);
    } else if (instruction === 'ENTRYPOINT' || instruction === 'CMD') {
      if (!rest.startsWith('['))
        throw new InvalidInputError(`Containerfile: ${instruction} must use the exec form (a JSON array): ${rest}`);
      const value = JSON.parse(rest) as string[];
      if (instruction === 'ENTRYPOINT') stage.entrypoint = value;
      else stage.cmd = value;
    }
  }
  const final = stages.at(-1);
  if (!final) throw new InvalidInputError('Containerfile: no FROM');
  return { stages, final };
}

/**
 * Where a renderer runs: a temporary directory holding a copy of just the
 * repository files the render may read, and a child process started with a
 * scrubbed environment (a private home, no credentials, no proxies, Git
 * prompts off), killed when it outlives its timeout or writes more than its
 * output cap. Nothing of the process's environment leaks in, and the
 * directory is removed afterwards. Errors name what ran and why it stopped.
 *
 * What it may reach over the network is the render's `network`:
 *
 * - `none` (every render that fetches nothing, which is every render unless
 *   drover.yaml and the bundle both allow remote references): it runs in a
 *   network namespace of its own with no interface but a loopback that is
 *   down (`unshare --net --map-root-user`, when this host lets an
 *   unprivileged process make one; checked once), so a reference no
 *   refusal recognised still reaches nothing, not even this host. Where it
 *   cannot, Git may use no transport at all (`GIT_ALLOW_PROTOCOL` empty) and
 *   HTTP clients that honour proxies are sent to a closed port.
 * - `remote` (a render allowed to fetch): the network, but still without
 *   anything of the operator's: no credentials, SSH agent, netrc, Docker or
 *   Helm registry logins (a private home, a scrubbed environment), no system
 *   Git or SSH configuration, and Git limited to `https`, `http`, `ssh` and
 *   `git` (no `file://` reads of this host's disk, no `ext::` commands, also
 *   for submodules of what is fetched).
 *
 * @example
 *   const box = await openSandbox({ files });
 *   try { const { stdout } = await box.run({ command: 'kustomize', args: ['build', 'apps/web'], timeoutMs: 60_000, maxOutputBytes: 64 << 20 }); }
 *   finally { await box.close(); }
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { InvalidInputError, UnavailableError } from '../errors/errors.ts';

export interface Sandbox {
  /** The directory the repository copy is in (the renderer's working directory). */
  root: string;
  /** The renderer's private home (HOME, and the XDG directories under it). */
  home: string;
  run(args: {
    command: string;
    args: string[];
    timeoutMs: number;
    maxOutputBytes: number;
    /** The setting the cap comes from, named when the output goes over it. */
    capSetting?: string;
    what: string;
    env?: Record<string, string>;
    /** What the command may reach: nothing (the default), or the network for a render allowed to fetch. */
    network?: SandboxNetwork;
    signal?: AbortSignal;
  }): Promise<{ stdout: string }>;
  close(): Promise<void>;
}

type RunArgs = Parameters<Sandbox['run']>[0];

/** `none`: no network at all; `remote`: the network, for a render drover.yaml and its bundle allow to fetch. */
export type SandboxNetwork = 'none' | 'remote';

let isolation: Promise<boolean> | undefined;

/** Whether this host lets an unprivileged process run a command in a network namespace of its own (asked once). */
export function networkIsolation(): Promise<boolean> {
  isolation ??= new Promise((resolve) => {
    const probe = spawn('unshare', ['--net', '--map-root-user', 'true'], {
      stdio: 'ignore',
      env: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin' },
    });
    probe.on('error', () => resolve(false));
    probe.on('close', (code) => resolve(code === 0));
  });
  return isolation;
}

/** A closed port on loopback: where proxy-honouring clients are sent when there is no network namespace. */
const NOWHERE = 'http://127.0.0.1:9';

/** The environment that narrows what a command may reach, beyond the scrubbed one. */
function networkEnv(network: SandboxNetwork): Record<string, string> {
  const common = { GIT_SSH_COMMAND: 'ssh -F /dev/null -o BatchMode=yes', GIT_CONFIG_GLOBAL: '/dev/null' };
  if (network === 'remote') return { ...common, GIT_ALLOW_PROTOCOL: 'https:http:ssh:git' };
  return {
    ...common,
    GIT_ALLOW_PROTOCOL: '',
    ...Object.fromEntries(
      ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy'].map((k) => [k, NOWHERE]),
    ),
    NO_PROXY: '',
    no_proxy: '',
  };
}

export async function openSandbox({
  files,
}: {
  files: readonly { path: string; text: string; bytes?: Uint8Array }[];
}): Promise<Sandbox> {
  const base = await mkdtemp(join(tmpdir(), 'drover-render-'));
  const root = join(base, 'repo');
  const home = join(base, 'home');
  await mkdir(home, { recursive: true });
  await writeRepoCopy({ root, files });
  await mkdir(root, { recursive: true });
  return {
    root,
    home,
    run: async ({ network = 'none', ...args }) => {
      const isolate = network === 'none' && (await networkIsolation());
      return runInSandbox({
        root,
        home,
        ...args,
        env: { ...networkEnv(network), ...args.env },
        ...(isolate
          ? {
              command: 'unshare',
              args: ['--net', '--map-root-user', '--', args.command, ...args.args],
              shown: args.command,
            }
          : {}),
      });
    },
    close: () => rm(base, { recursive: true, force: true }),
  };
}

/** Copies the given repository files under `root`; a path that is absolute or climbs out is refused. */
async function writeRepoCopy({
  root,
  files,
}: {
  root: string;
  files: readonly { path: string; text: string; bytes?: Uint8Array }[];
}): Promise<void> {
  for (const f of files) {
    if (f.path.startsWith('/') || f.path.split('/').includes('..'))
      throw new InvalidInputError(`${f.path}: not a path inside the repository`, {
        data: { file: f.path, reason: 'path-escape' },
      });
    const to = join(root, f.path);
    await mkdir(dirname(to), { recursive: true });
    await writeFile(to, f.bytes ?? f.text);
  }
}

/** The renderer's whole environment: a PATH of the binary's directory and the system's, the private home, Git prompts off, then `env`. */
function assembleSandboxEnv({
  binary,
  home,
  env,
}: {
  binary: string;
  home: string;
  env: Record<string, string>;
}): Record<string, string> {
  return {
    PATH: `${dirname(binary)}:/usr/local/bin:/usr/bin:/bin`,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_DATA_HOME: join(home, '.local/share'),
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    LANG: 'C',
    ...env,
  };
}

/** The error of a run stopped by Drover (`stopped` says why: its timeout, its output cap, or an abort). */
function stoppedError({
  what,
  command,
  stopped,
}: {
  what: string;
  command: string;
  stopped: string;
}): InvalidInputError {
  const reason = stopped.startsWith('did not finish')
    ? 'timeout'
    : stopped.startsWith('wrote')
      ? 'output-cap'
      : 'aborted';
  return new InvalidInputError(`${what}: ${command} ${stopped}`, { data: { command, reason } });
}

/** Runs one command in the sandbox: its stdout, or an error naming what ran and why it stopped. */
function runInSandbox({
  root,
  home,
  command,
  args,
  timeoutMs,
  maxOutputBytes,
  capSetting = 'the output cap',
  what,
  env = {},
  signal,
  shown = command,
}: Omit<RunArgs, 'network'> & {
  root: string;
  home: string;
  /** The renderer's binary, as messages name it, when `command` is the wrapper that runs it. */
  shown?: string;
}): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: assembleSandboxEnv({ binary: shown, home, env }),
    });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let stopped: string | undefined;
    const stop = (why: string) => {
      stopped ??= why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop(`did not finish within ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
    const onAbort = () => stop('was aborted');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (b: Buffer) => {
      outBytes += b.length;
      if (outBytes > maxOutputBytes) return stop(`wrote more than ${maxOutputBytes} bytes (${capSetting})`);
      out.push(b);
    });
    child.stderr.on('data', (b: Buffer) => {
      if (err.length < 8192) err += b.toString('utf8');
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      reject(
        new UnavailableError(`${what}: cannot run ${shown}: ${e.message}`, {
          data: { command: shown, reason: 'not-runnable' },
          cause: e,
        }),
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (stopped) return reject(stoppedError({ what, command: shown, stopped }));
      if (code !== 0)
        return reject(
          new InvalidInputError(
            `${what}: ${shown} failed: ${err.trim().split('\n').slice(-5).join(' ') || `exit ${code}`}`,
            { data: { command: shown, reason: 'failed', exitCode: code } },
          ),
        );
      resolve({ stdout: Buffer.concat(out).toString('utf8') });
    });
  });
}

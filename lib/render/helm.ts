/**
 * The real `helm` binary, called as Argo CD and Flux's helm-controller
 * render charts (Helm's Go SDK has no Node counterpart): `helm template` in a
 * sandbox holding the target's closure, with a private Helm home, cache and
 * data directory per call, CRDs included and tests left out, and the
 * capabilities of the target's environment. `helm version` for the
 * provenance.
 *
 * @example
 *   const yaml = await helmTemplate({ sandbox, binary, chart: 'charts/web', releaseName: 'web', namespace: 'shop', values: ['charts/web/values-prod.yaml'], set: [], hooks: 'refuse', timeoutMs: 60_000, maxOutputBytes: 64 << 20, what: 'bundle web, target prod' });
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { UnavailableError } from '../errors/errors.ts';
import type { Sandbox } from './sandbox.ts';

const execFileP = promisify(execFile);
const versions = new Map<string, Promise<string>>();

/** `v3.22.0` (what the binary says of itself), asked once per process. */
export function helmVersion(binary: string): Promise<string> {
  if (!versions.has(binary)) {
    const p = execFileP(binary, ['version', '--template', '{{.Version}}'], {
      timeout: 30_000,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' },
    }).then(
      ({ stdout }) => stdout.trim(),
      (err: Error) => {
        versions.delete(binary);
        throw new UnavailableError(
          `cannot run helm (${binary}): ${err.message.split('\n')[0]}; install it (bash .ci/setup does) or name it in drover.yaml render.helm.binary`,
          { data: { binary, reason: 'no-helm' }, cause: err },
        );
      },
    );
    versions.set(binary, p);
  }
  return versions.get(binary)!;
}

export interface HelmTemplateArgs {
  chart: string;
  releaseName: string;
  namespace: string;
  /** Values files in order (repository paths, so sandbox paths). */
  values: readonly string[];
  /** `--set-json` values in order: later ones win. */
  set: readonly Record<string, unknown>[];
  hooks: 'refuse' | 'apply' | 'skip';
  kubeVersion?: string;
  apiVersions?: readonly string[];
}

/** The command line of `helm template` for these arguments (pure). */
export function helmTemplateArgs(a: HelmTemplateArgs): string[] {
  return [
    'template',
    a.releaseName,
    `./${a.chart}`,
    '--namespace',
    a.namespace,
    '--include-crds',
    '--skip-tests',
    ...(a.hooks === 'skip' ? ['--no-hooks'] : []),
    ...a.values.flatMap((v) => ['--values', v]),
    ...a.set.flatMap((s) => Object.entries(s).map(([k, v]) => ['--set-json', `${k}=${JSON.stringify(v)}`])).flat(),
    ...(a.kubeVersion ? ['--kube-version', a.kubeVersion] : []),
    ...(a.apiVersions ?? []).flatMap((v) => ['--api-versions', v]),
  ];
}

interface RunOptions {
  sandbox: Sandbox;
  binary: string;
  timeoutMs: number;
  maxOutputBytes: number;
  what: string;
  signal?: AbortSignal;
}

function runHelm(
  { sandbox, binary, timeoutMs, maxOutputBytes, what, signal }: RunOptions,
  argv: string[],
): Promise<{ stdout: string }> {
  // Helm's home, cache and data (repositories, registry logins, plugins) are the sandbox's own; no kubeconfig.
  const env = {
    HELM_CACHE_HOME: join(sandbox.home, 'helm', 'cache'),
    HELM_CONFIG_HOME: join(sandbox.home, 'helm', 'config'),
    HELM_DATA_HOME: join(sandbox.home, 'helm', 'data'),
    KUBECONFIG: join(sandbox.home, 'no-kubeconfig'),
  };
  return sandbox.run({
    command: binary,
    args: argv,
    timeoutMs,
    maxOutputBytes,
    what,
    env,
    signal,
  });
}

/** `helm dependency build`: fetches the dependencies charts/ lacks into the sandbox's copy (only for a bundle that allows remote). */
export async function helmDependencyBuild({ chart, ...run }: RunOptions & { chart: string }): Promise<void> {
  await runHelm(run, ['dependency', 'build', `./${chart}`]);
}

export async function helmTemplate({
  sandbox,
  binary,
  timeoutMs,
  maxOutputBytes,
  what,
  signal,
  ...args
}: HelmTemplateArgs & RunOptions): Promise<string> {
  return (await runHelm({ sandbox, binary, timeoutMs, maxOutputBytes, what, signal }, helmTemplateArgs(args))).stdout;
}

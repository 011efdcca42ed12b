/**
 * The real `kustomize` binary, called as Argo CD calls it (there is no
 * maintained Kustomize library for Node): `kustomize build <dir>` in a
 * sandbox holding the target's input closure, with Kustomize's root-only
 * load restriction, and `kustomize version` for the provenance. The binary
 * is the one drover.yaml names (`render.kustomize.binary`), else `kustomize`
 * on PATH.
 *
 * @example
 *   const yaml = await kustomizeBuild({ sandbox, dir: 'apps/web/overlays/prod', binary, timeoutMs: 60_000, maxOutputBytes: 64 << 20, what: 'bundle web, target prod' });
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { UnavailableError } from '../errors/errors.ts';
import type { Sandbox } from './sandbox.ts';

const execFileP = promisify(execFile);
const versions = new Map<string, Promise<string>>();

/** `v5.8.1`, asked of the binary once per process. */
export function kustomizeVersion(binary: string): Promise<string> {
  if (!versions.has(binary)) {
    const p = execFileP(binary, ['version'], {
      timeout: 30_000,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' },
    }).then(
      ({ stdout }) =>
        stdout
          .trim()
          .split('\n')[0]!
          .replace(/^\{?Version:/, '')
          .trim(),
      (err: Error) => {
        versions.delete(binary);
        throw new UnavailableError(
          `cannot run kustomize (${binary}): ${err.message.split('\n')[0]}; install it (bash .ci/setup does) or name it in drover.yaml render.kustomize.binary`,
          { data: { binary, reason: 'no-kustomize' }, cause: err },
        );
      },
    );
    versions.set(binary, p);
  }
  return versions.get(binary)!;
}

export async function kustomizeBuild({
  sandbox,
  dir,
  binary,
  timeoutMs,
  maxOutputBytes,
  what,
  signal,
}: {
  sandbox: Sandbox;
  dir: string;
  binary: string;
  timeoutMs: number;
  maxOutputBytes: number;
  what: string;
  signal?: AbortSignal;
}): Promise<string> {
  const { stdout } = await sandbox.run({
    command: binary,
    args: ['build', dir, '--load-restrictor', 'LoadRestrictionsRootOnly'],
    timeoutMs,
    maxOutputBytes,
    what,
    signal,
  });
  return stdout;
}

/**
 * Where a renderer's binary is: a path (absolute, or relative to drover.yaml)
 * as given; a bare name looked up on the PATH handed in, then in
 * `$HOME/go/bin` (where `go install`, and so `.ci/setup`, puts it).
 */
import { accessSync, constants } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { UnavailableError } from '../errors/errors.ts';

export function findBinary({
  name,
  baseDir,
  env,
  renderer = name,
  install,
}: {
  name: string;
  baseDir: string;
  env: NodeJS.ProcessEnv;
  renderer?: string;
  /** How .ci/setup installs it (the renderer's `install`), for the error that says it is missing. */
  install?: string;
}): string {
  const runnable = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (name.includes('/')) {
    const p = isAbsolute(name) ? name : resolve(baseDir, name);
    if (runnable(p)) return p;
    throw new UnavailableError(`renderer binary ${p} is not there or not executable`, {
      data: { binary: p, reason: 'no-binary' },
    });
  }
  const dirs = [...(env.PATH ?? '').split(':').filter(Boolean), ...(env.HOME ? [join(env.HOME, 'go', 'bin')] : [])];
  const found = dirs.map((d) => join(d, name)).find(runnable);
  if (found) return found;
  throw new UnavailableError(
    `${name} is not on PATH (nor in $HOME/go/bin): install it${install ? ` (bash .ci/setup does: ${install})` : ''} or name it in drover.yaml render.${renderer}.binary`,
    { data: { binary: name, reason: 'no-binary' } },
  );
}

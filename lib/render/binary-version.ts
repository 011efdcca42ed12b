/**
 * A renderer binary's version (`v5.8.1`, `v3.22.0`), asked of the binary
 * once per process: it goes into each version's provenance and into the
 * render cache's key, so a new binary never reuses an old binary's render.
 * A binary that cannot be run is an UnavailableError saying how to install
 * it or name it in drover.yaml.
 *
 * @example
 *   await binaryVersion({ renderer: helmRenderer, binary: '/usr/local/bin/helm' }) // => 'v3.22.0'
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { UnavailableError } from '../errors/errors.ts';
import type { Renderer } from './renderer.ts';

const execFileP = promisify(execFile);
const versions = new Map<string, Promise<string>>();

export function binaryVersion({
  renderer,
  binary,
}: {
  renderer: Pick<Renderer, 'name' | 'versionArgs' | 'readVersion'>;
  binary: string;
}): Promise<string> {
  const key = `${renderer.name}\0${binary}`;
  if (!versions.has(key)) {
    const p = execFileP(binary, [...renderer.versionArgs], {
      timeout: 30_000,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' },
    }).then(
      ({ stdout }) => renderer.readVersion(stdout),
      (err: Error) => {
        versions.delete(key);
        throw new UnavailableError(
          `cannot run ${renderer.name} (${binary}): ${err.message.split('\n')[0]}; install it (bash .ci/setup does) or name it in drover.yaml render.${renderer.name}.binary`,
          { data: { binary, reason: `no-${renderer.name}` }, cause: err },
        );
      },
    );
    versions.set(key, p);
  }
  return versions.get(key)!;
}

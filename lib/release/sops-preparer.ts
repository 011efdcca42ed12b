/**
 * How members become what is sent to a cluster: SOPS-encrypted ones are
 * decrypted in memory with the age identities drover.yaml names for an
 * environment (a file, or an environment variable), read once and only when
 * a SOPS member is met: the release engine's `prepare` (release-options.ts).
 * Deploy, diff against a cluster, drift heal and recovery all use this one.
 * The decryption code (age, with its post-quantum and curve libraries: about
 * 20 MB of RSS) loads with the first SOPS member, so a process that never
 * meets one (most agents) never holds it.
 *
 * @example
 *   const prepare = sopsPreparer({ environments: [prod], env: process.env });
 *   const plain = await prepare(secretFromGit); // throws NotFoundError naming the environment without a key
 */
import { readFile } from 'node:fs/promises';
import type { EnvironmentConfig } from '../config/config.ts';
import { NotFoundError } from '../errors/errors.ts';
import type { KubeObject } from '../object/ref.ts';
import { isSopsEncrypted } from '../sops/detect.ts';
import { parseAgeIdentities } from '../sops/keys.ts';

export type Prepare = (o: KubeObject) => Promise<KubeObject>;

/** The age identities configured for `environment`, or [] when it names none or the variable is unset. */
export async function readAgeIdentities(environment: EnvironmentConfig, env: NodeJS.ProcessEnv): Promise<string[]> {
  const key = environment.ageKey;
  const text = key?.file ? await readFile(key.file, 'utf8') : key?.env ? env[key.env] : undefined;
  return text ? parseAgeIdentities({ text, source: key?.file ?? `$${key?.env}` }) : [];
}

/**
 * A preparer decrypting with the identities of `environments` (one for a
 * deploy; all of them for recovery, which restores whatever a cluster ran).
 * Members without SOPS metadata pass through untouched.
 */
export function sopsPreparer({
  environments,
  env,
}: {
  environments: readonly (EnvironmentConfig | undefined)[];
  env: NodeJS.ProcessEnv;
}): Prepare {
  let identities: Promise<string[]> | undefined;
  const load = async () => {
    const all = (
      await Promise.all(environments.filter((e) => e !== undefined).map((e) => readAgeIdentities(e, env)))
    ).flat();
    if (all.length === 0) {
      const names = environments.map((e) => e?.name ?? '(none)').join(', ');
      throw new NotFoundError(
        `a SOPS-encrypted Secret needs an age key: set ageKey for environment ${names} in drover.yaml`,
        { data: { environments: names } },
      );
    }
    return all;
  };
  return async (o) => {
    if (!isSopsEncrypted(o)) return o;
    const ids = identities ?? (identities = load());
    ids.catch(() => (identities = undefined));
    const { decryptSopsObject } = await import('../sops/decrypt.ts');
    return decryptSopsObject({ object: o, identities: await ids });
  };
}

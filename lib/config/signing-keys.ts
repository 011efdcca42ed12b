/**
 * The keys drover.yaml's `signing` names, read: the signer of new versions
 * (its PEM private key from `keyFile` or the variable `keyEnv`) and the
 * public keys a verification trusts (the signer's own, `publicKeys`, and any
 * the caller adds, such as `drover verify --key`; or, for an environment
 * with `trustedKeys`, exactly those). A key that cannot be read is an error
 * naming the setting and the file or variable, never the key.
 *
 * @example
 *   const signer = await readSigner({ config, env, signal }); // undefined when nothing is configured
 *   const trusted = await readTrustedKeys({ config, env, signal });
 *   const prod = await readTrustedKeys({ config, env, environment: environmentOf(config, 'prod'), signal });
 */
import { readFileSync } from 'node:fs';
import { pemSecretForms, readKeyFile } from './key-file.ts';
import { NotFoundError } from '../errors/errors.ts';
import { parsePublicKey, type TrustedKey } from '../signature/public-key.ts';
import { keySigner, type Signer } from '../signature/signer.ts';
import type { DroverConfig, EnvironmentConfig } from './types.ts';

interface KeyArgs {
  config: Pick<DroverConfig, 'signing'>;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal | undefined;
}

/** The signer of new versions, or undefined when drover.yaml configures none. */
export async function readSigner({ config, env, signal }: KeyArgs): Promise<Signer | undefined> {
  const s = config.signing;
  if (s?.keyEnv) {
    const pem = env[s.keyEnv];
    if (!pem)
      throw new NotFoundError(`signing.keyEnv: environment variable ${s.keyEnv} is not set`, {
        data: { setting: 'signing.keyEnv', env: s.keyEnv },
      });
    return keySigner({ privateKeyPem: pem, name: `signing.keyEnv ${s.keyEnv}` });
  }
  if (s?.keyFile) {
    const pem = await readKeyFile({ path: s.keyFile, setting: 'signing.keyFile', signal });
    return keySigner({ privateKeyPem: pem, name: `signing.keyFile ${s.keyFile}` });
  }
  return undefined;
}

/**
 * Every public key a verification trusts, each once: the environment's
 * `trustedKeys` when it lists any (the signing key is then trusted only if
 * listed: an environment can trust another signer than the hub); else the
 * signing key's, then `signing.publicKeys`; then `extraFiles`.
 */
export async function readTrustedKeys({
  config,
  env,
  environment,
  extraFiles = [],
  signal,
}: KeyArgs & {
  environment?: Pick<EnvironmentConfig, 'name' | 'trustedKeys'> | undefined;
  extraFiles?: readonly string[];
}): Promise<TrustedKey[]> {
  const keys: TrustedKey[] = [];
  const own = environment?.trustedKeys?.length ? environment.trustedKeys : undefined;
  const signer = own ? undefined : await readSigner({ config, env, signal });
  if (signer) keys.push(parsePublicKey({ pem: signer.publicKeyPem, name: 'the signing key' }));
  const files = [
    ...(own
      ? own.map((path) => ({ path, setting: `environments.${environment!.name}.trustedKeys` }))
      : (config.signing?.publicKeys ?? []).map((path) => ({ path, setting: 'signing.publicKeys' }))),
    ...extraFiles.map((path) => ({ path, setting: '--key' })),
  ];
  for (const { path, setting } of files) {
    const key = parsePublicKey({ pem: await readKeyFile({ path, setting, signal }), name: `${setting} ${path}` });
    if (!keys.some((k) => k.keyId === key.keyId)) keys.push(key);
  }
  return keys;
}

/**
 * The signing key's value, in every form a log line could carry it (the PEM
 * whole, and each line of its base64 body), for a logger's redaction list.
 * Read synchronously at start-up; a key that cannot be read gives nothing
 * here (reading it for signing says why).
 */
export function signingKeySecrets({ config, env }: Omit<KeyArgs, 'signal'>): string[] {
  const s = config.signing;
  let pem: string | undefined;
  try {
    pem = s?.keyEnv ? env[s.keyEnv] : s?.keyFile ? readFileSync(s.keyFile, 'utf8') : undefined;
  } catch {
    pem = undefined;
  }
  return pem ? pemSecretForms(pem) : [];
}

/**
 * `drover keys generate`: a new ECDSA P-256 key pair for signing versions,
 * written as `<name>.key` (PKCS#8 PEM, mode 0600, in a folder made 0700) and
 * `<name>.pub` (the public key, what `cosign verify --key` and
 * `signing.publicKeys` read). The private key is never returned, printed or
 * logged: the result names its file and the key id. An existing key is kept
 * unless `force`, so a key in use is not replaced by accident.
 *
 * @example
 *   const r = await generateKeys({ dir: '.drover/keys' });
 *   r.privateKeyFile // '/work/app/.drover/keys/drover.key'; set drover.yaml signing.keyFile to it
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConflictError, InvalidInputError } from '../errors/errors.ts';
import { makePrivateDir, PRIVATE_FILE_MODE } from '../foundation/private-files.ts';
import { generateKeyPair } from '../signature/generate-key-pair.ts';

export interface GeneratedKeys {
  privateKeyFile: string;
  publicKeyFile: string;
  keyId: string;
  publicKeyPem: string;
}

export async function generateKeys({
  dir,
  name = 'drover',
  force = false,
  signal,
}: {
  dir: string;
  name?: string;
  force?: boolean;
  signal?: AbortSignal;
}): Promise<GeneratedKeys> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
    throw new InvalidInputError(`key name ${JSON.stringify(name)}: letters, digits, ".", "_" and "-" only`, {
      data: { name },
    });
  const folder = resolve(dir);
  const privateKeyFile = join(folder, `${name}.key`);
  const publicKeyFile = join(folder, `${name}.pub`);
  if (!force && existsSync(privateKeyFile))
    throw new ConflictError(`${privateKeyFile} exists: keep it, or pass --force to replace it`, {
      data: { file: privateKeyFile },
    });
  const pair = generateKeyPair();
  makePrivateDir({ path: folder });
  await writeFile(privateKeyFile, pair.privateKeyPem, { mode: PRIVATE_FILE_MODE, flag: force ? 'w' : 'wx', signal });
  await writeFile(publicKeyFile, pair.publicKeyPem, { mode: 0o644, signal });
  return { privateKeyFile, publicKeyFile, keyId: pair.keyId, publicKeyPem: pair.publicKeyPem };
}

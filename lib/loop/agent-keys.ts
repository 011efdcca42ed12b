/**
 * The keys of `drover agent` (docs/agent-protocol.md, protocol 2): the hub's
 * public keys it trusts (`--trusted-key`, repeatable: the index and every
 * version must be signed by one of them), and its own private key
 * (`--key-file` or `--key-env`) that signs its statuses. A key that cannot
 * be read is an error naming the flag and the file or variable, never the
 * key; `secrets` lists every form a log line could carry the private key
 * in, for the logger's redaction.
 *
 * @example
 *   const keys = await readAgentKeys({ trustedKeyFiles: ['/keys/hub.pub'], keyFile: '/keys/agent.key', env, signal });
 *   keys.signer?.keyId; keys.trustedKeys.length; keys.secrets;
 */
import { InvalidInputError, NotFoundError, UsageError } from '../errors/errors.ts';
import { pemSecretForms, readKeyFile } from '../config/key-file.ts';
import { parsePublicKey, type TrustedKey } from '../signature/public-key.ts';
import { keySigner, type Signer } from '../signature/signer.ts';

export interface AgentKeys {
  trustedKeys: TrustedKey[];
  signer: Signer | undefined;
  /** The private key in every form a log could show it: never to be written anywhere. */
  secrets: string[];
}

export async function readAgentKeys({
  trustedKeyFiles = [],
  keyFile,
  keyEnv,
  env,
  signal,
}: {
  trustedKeyFiles?: readonly string[] | undefined;
  keyFile?: string | undefined;
  keyEnv?: string | undefined;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal | undefined;
}): Promise<AgentKeys> {
  if (keyFile && keyEnv) throw new UsageError('give the agent its key by --key-file or --key-env, not both');
  const trustedKeys: TrustedKey[] = [];
  for (const path of trustedKeyFiles) {
    const pem = await readKeyFile({ path, setting: '--trusted-key', signal });
    // node:crypto would derive the public half of a private key: a private key is never where public keys go.
    if (/PRIVATE KEY-----/.test(pem))
      throw new InvalidInputError(`--trusted-key ${path}: a private key; give the hub's public key`, {
        data: { flag: '--trusted-key', path },
      });
    const key = parsePublicKey({
      pem,
      name: `--trusted-key ${path}`,
    });
    if (!trustedKeys.some((k) => k.keyId === key.keyId)) trustedKeys.push(key);
  }
  let pem: string | undefined;
  let name = '';
  if (keyEnv) {
    pem = env[keyEnv];
    name = `--key-env ${keyEnv}`;
    if (!pem)
      throw new NotFoundError(`--key-env: environment variable ${keyEnv} is not set`, { data: { env: keyEnv } });
  } else if (keyFile) {
    pem = await readKeyFile({ path: keyFile, setting: '--key-file', signal });
    name = `--key-file ${keyFile}`;
  }
  const signer = pem ? keySigner({ privateKeyPem: pem, name }) : undefined;
  return { trustedKeys, signer, secrets: pem ? pemSecretForms(pem) : [] };
}

/** A PEM in every form a log line could carry it: whole, trimmed, and each line of its base64 body. */

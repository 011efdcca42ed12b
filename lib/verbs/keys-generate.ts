/**
 * `drover keys generate`: a new ECDSA P-256 key pair for signing versions,
 * written as `<name>.key` (PKCS#8 PEM, mode 0600, in a folder made 0700) and
 * `<name>.pub` (the public key, what `cosign verify --key` and
 * `signing.publicKeys` read). The private key is never returned, printed or
 * logged: the result names its file and the key id. An existing key is kept
 * unless `force`, so a key in use is not replaced by accident.
 *
 * With `agentCluster` (`drover keys generate --agent --cluster C`) the pair
 * is an agent's (named `agent-<C>` unless `name` says otherwise): its
 * private key signs the agent's statuses (agent protocol 2), its public key
 * is what the hub trusts for that cluster. The result then says what to
 * write in drover.yaml (`agentKey:` on the cluster, relative to
 * `configDir`) and how to give the private key to the agent (the Secret of
 * deploy/agent/agent-keys-secret.template.yaml), naming files only.
 *
 * @example
 *   const r = await generateKeys({ dir: '.drover/keys' });
 *   r.privateKeyFile // '/work/app/.drover/keys/drover.key'; set drover.yaml signing.keyFile to it
 *   const a = await generateKeys({ dir: '.drover/keys', agentCluster: 'c3', configDir: '/work/app' });
 *   a.agent?.configSnippet // 'clusters:\n  - name: c3\n    mode: agent\n    agentKey: .drover/keys/agent-c3.pub\n'
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { ConflictError, InvalidInputError } from '../errors/errors.ts';
import { makePrivateDir, PRIVATE_FILE_MODE } from '../foundation/private-files.ts';
import { generateKeyPair } from '../signature/generate-key-pair.ts';

export interface GeneratedKeys {
  privateKeyFile: string;
  publicKeyFile: string;
  keyId: string;
  publicKeyPem: string;
  /** An agent's pair: what to write in drover.yaml and how to hand the private key to the agent. */
  agent?: { cluster: string; configSnippet: string; secretCommand: string };
}

const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export async function generateKeys({
  dir,
  agentCluster,
  configDir = '.',
  name = agentCluster ? `agent-${agentCluster}` : 'drover',
  force = false,
  signal,
}: {
  dir: string;
  name?: string;
  /** The agent cluster this pair is for (drover.yaml's cluster name). */
  agentCluster?: string;
  /** Where drover.yaml is: `agentKey` is written relative to it. */
  configDir?: string;
  force?: boolean;
  signal?: AbortSignal;
}): Promise<GeneratedKeys> {
  if (agentCluster !== undefined && !NAME.test(agentCluster))
    throw new InvalidInputError(`cluster ${JSON.stringify(agentCluster)} is not a cluster name`, {
      data: { cluster: agentCluster },
    });
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
  const keys = { privateKeyFile, publicKeyFile, keyId: pair.keyId, publicKeyPem: pair.publicKeyPem };
  if (agentCluster === undefined) return keys;
  const agentKey = relative(resolve(configDir), publicKeyFile) || publicKeyFile;
  return {
    ...keys,
    agent: {
      cluster: agentCluster,
      configSnippet: `clusters:\n  - name: ${agentCluster}\n    mode: agent\n    agentKey: ${agentKey}\n`,
      secretCommand: `kubectl -n drover-system create secret generic drover-agent-keys --from-file=agent.key=${privateKeyFile} --from-file=hub.pub=<the hub's public key, e.g. .drover/keys/drover.pub>`,
    },
  };
}

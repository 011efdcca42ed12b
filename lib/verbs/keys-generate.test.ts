import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConflictError } from '../errors/errors.ts';
import { parsePublicKey } from '../signature/public-key.ts';
import { keySigner } from '../signature/signer.ts';
import { generateKeys } from './keys-generate.ts';

const root = mkdtempSync(join(tmpdir(), 'drover-keygen-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('generateKeys', () => {
  it('writes the private key 0600 in a 0700 folder, the public key beside it, and returns no private key', async () => {
    const dir = join(root, 'a', 'keys');
    const r = await generateKeys({ dir });
    expect(statSync(r.privateKeyFile).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const privatePem = readFileSync(r.privateKeyFile, 'utf8');
    expect(JSON.stringify(r)).not.toContain(privatePem.split('\n')[1]);
    expect(keySigner({ privateKeyPem: privatePem, name: 'k' }).keyId).toBe(r.keyId);
    expect(parsePublicKey({ pem: readFileSync(r.publicKeyFile, 'utf8'), name: 'p' }).keyId).toBe(r.keyId);
  });

  it('keeps an existing key unless forced', async () => {
    const dir = join(root, 'b');
    const first = await generateKeys({ dir, name: 'hub' });
    await expect(generateKeys({ dir, name: 'hub' })).rejects.toThrow(ConflictError);
    expect(readFileSync(first.publicKeyFile, 'utf8')).toBe(first.publicKeyPem);
    const second = await generateKeys({ dir, name: 'hub', force: true });
    expect(second.keyId).not.toBe(first.keyId);
    expect(statSync(second.privateKeyFile).mode & 0o777).toBe(0o600);
  });

  it("writes an agent's pair, named for its cluster, and says what drover.yaml names and how the agent gets its key", async () => {
    const configDir = join(root, 'hub');
    const r = await generateKeys({ dir: join(configDir, '.drover', 'keys'), agentCluster: 'c3', configDir });
    expect(r.privateKeyFile).toBe(join(configDir, '.drover', 'keys', 'agent-c3.key'));
    expect(statSync(r.privateKeyFile).mode & 0o777).toBe(0o600);
    expect(r.agent).toEqual({
      cluster: 'c3',
      configSnippet: 'clusters:\n  - name: c3\n    mode: agent\n    agentKey: .drover/keys/agent-c3.pub\n',
      secretCommand: expect.stringContaining(
        `create secret generic drover-agent-keys --from-file=agent.key=${r.privateKeyFile}`,
      ),
    });
    const privatePem = readFileSync(r.privateKeyFile, 'utf8');
    for (const line of privatePem.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----')))
      expect(JSON.stringify(r)).not.toContain(line);
    await expect(generateKeys({ dir: configDir, agentCluster: 'C 3' })).rejects.toThrow(/not a cluster name/);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError, UsageError } from '../errors/errors.ts';
import { generateKeyPair } from '../signature/generate-key-pair.ts';
import { readAgentKeys } from './agent-keys.ts';

const dir = mkdtempSync(join(tmpdir(), 'drover-agent-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const hub = generateKeyPair();
const rotated = generateKeyPair();
const agent = generateKeyPair();
writeFileSync(join(dir, 'hub.pub'), hub.publicKeyPem);
writeFileSync(join(dir, 'hub-2.pub'), rotated.publicKeyPem);
writeFileSync(join(dir, 'agent.key'), agent.privateKeyPem, { mode: 0o600 });
const body = (pem: string) => pem.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'));

describe('readAgentKeys', () => {
  it('trusts each hub key once and signs with its own, listing every form of it for redaction', async () => {
    const k = await readAgentKeys({
      trustedKeyFiles: [join(dir, 'hub.pub'), join(dir, 'hub-2.pub'), join(dir, 'hub.pub')],
      keyFile: join(dir, 'agent.key'),
      env: {},
    });
    expect(k.trustedKeys.map((t) => t.keyId)).toEqual([hub.keyId, rotated.keyId]);
    expect(k.signer?.keyId).toBe(agent.keyId);
    expect(k.secrets).toEqual(expect.arrayContaining([agent.privateKeyPem, ...body(agent.privateKeyPem)]));
    const fromEnv = await readAgentKeys({ keyEnv: 'AGENT_KEY', env: { AGENT_KEY: agent.privateKeyPem } });
    expect(fromEnv).toMatchObject({ trustedKeys: [], signer: { keyId: agent.keyId } });
  });

  it('has nothing without flags, and refuses both key sources or a missing one, naming never the key', async () => {
    expect(await readAgentKeys({ env: {} })).toEqual({ trustedKeys: [], signer: undefined, secrets: [] });
    await expect(readAgentKeys({ keyFile: 'a', keyEnv: 'B', env: {} })).rejects.toThrow(UsageError);
    await expect(readAgentKeys({ keyEnv: 'NOPE', env: {} })).rejects.toThrow(NotFoundError);
    await expect(readAgentKeys({ trustedKeyFiles: [join(dir, 'missing.pub')], env: {} })).rejects.toThrow(
      /--trusted-key: cannot read .*missing\.pub \(ENOENT\)/,
    );
    // A private key given as a trusted key: refused, and its text is not in the error.
    const err = await readAgentKeys({ trustedKeyFiles: [join(dir, 'agent.key')], env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(String(err)).toMatch(/agent\.key: a private key; give the hub's public key/);
    for (const line of body(agent.privateKeyPem)) expect(JSON.stringify(err) + String(err)).not.toContain(line);
  });
});

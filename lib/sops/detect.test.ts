import { describe, expect, it } from 'vitest';
import { isSopsEncrypted, sopsRecipients } from './detect.ts';

const MAC = 'ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]';
const age = (recipient: string) => ({
  recipient,
  enc: '-----BEGIN AGE ENCRYPTED FILE-----\n-----END AGE ENCRYPTED FILE-----\n',
});

describe('isSopsEncrypted and sopsRecipients', () => {
  it.each([
    {
      name: 'age at the top level',
      sops: { age: [age('age1a'), age('age1b')], mac: MAC, lastmodified: 'x' },
      encrypted: true,
      recipients: [
        { type: 'age', recipient: 'age1a' },
        { type: 'age', recipient: 'age1b' },
      ],
    },
    {
      name: 'age in key_groups',
      sops: { key_groups: [{ age: [age('age1a')], hc_vault: [] }], mac: MAC },
      encrypted: true,
      recipients: [{ type: 'age', recipient: 'age1a' }],
    },
    {
      name: 'PGP only',
      sops: { pgp: [{ fp: 'ABCD', enc: 'x' }], mac: MAC },
      encrypted: true,
      recipients: [{ type: 'pgp', recipient: 'ABCD' }],
    },
    {
      name: 'age and KMS',
      sops: { kms: [{ arn: 'arn:aws:kms:1' }], age: [age('age1a')], mac: MAC },
      encrypted: true,
      recipients: [
        { type: 'age', recipient: 'age1a' },
        { type: 'kms', recipient: 'arn:aws:kms:1' },
      ],
    },
    {
      name: 'no mac',
      sops: { age: [age('age1a')] },
      encrypted: false,
      recipients: [{ type: 'age', recipient: 'age1a' }],
    },
    { name: 'no master key', sops: { mac: MAC }, encrypted: false, recipients: [] },
    { name: 'sops is not a map', sops: 'yes', encrypted: false, recipients: [] },
    { name: 'no sops', sops: undefined, encrypted: false, recipients: [] },
  ])('$name', ({ sops, encrypted, recipients }) => {
    const object = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db' },
      ...(sops === undefined ? {} : { sops }),
    };
    expect(isSopsEncrypted(object)).toBe(encrypted);
    expect(sopsRecipients(object)).toEqual(recipients);
  });

  it.each([null, 'text', 42, []])('is false for %j', (v) => {
    expect(isSopsEncrypted(v)).toBe(false);
    expect(sopsRecipients(v)).toEqual([]);
  });
});

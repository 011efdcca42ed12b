import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/errors.ts';
import { loadObjects } from '../object/yaml.ts';
import { checkSecrets, classifySecret } from './secrets.ts';

const ENC = 'ENC[AES256_GCM,data:3q2+7w==,iv:AAECAwQFBgcICQoLDA0ODw==,tag:EBESExQVFhcYGRobHB0eHw==,type:str]';
const sops = `sops:
  age:
  - recipient: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
    enc: |
      -----BEGIN AGE ENCRYPTED FILE-----
      YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOQ==
      -----END AGE ENCRYPTED FILE-----
  encrypted_regex: ^(data|stringData)$
  mac: ${ENC}
  version: 3.9.0`;

function secret(yaml: string) {
  return loadObjects({
    files: [
      { path: 'secrets/db.yaml', text: `apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: web}\n${yaml}` },
    ],
  })[0]!;
}

describe('secrets', () => {
  it.each([
    {
      name: 'SOPS with age, all values encrypted',
      yaml: `data: {password: "${ENC}"}\nstringData: {user: "${ENC}"}\n${sops}`,
      kind: 'sops',
    },
    { name: 'no data', yaml: 'type: kubernetes.io/service-account-token\n', kind: 'empty' },
    { name: 'plaintext data', yaml: 'data: {password: aHVudGVyMg==}\n', kind: 'plaintext' },
    { name: 'plaintext stringData', yaml: 'stringData: {password: hunter2}\n', kind: 'plaintext' },
    {
      name: 'SOPS metadata but a value left plain',
      yaml: `data: {password: "${ENC}", user: YWRtaW4=}\n${sops}`,
      kind: 'plaintext',
    },
    {
      name: 'SOPS for PGP only',
      yaml: `data: {password: "${ENC}"}\nsops: {pgp: [{fp: ABCD}], mac: "${ENC}"}\n`,
      kind: 'sops-without-age',
    },
    { name: 'ENC-looking value without sops metadata', yaml: `data: {password: "${ENC}"}\n`, kind: 'plaintext' },
  ])('$name -> $kind', ({ yaml, kind }) => {
    expect(classifySecret(secret(yaml).object).kind).toBe(kind);
  });

  it('refuses a plaintext Secret, naming object and file, never a value or key', () => {
    const m = secret('data: {password: aHVudGVyMg==}\nstringData: {token: hunter2}\n');
    let err: unknown;
    try {
      checkSecrets({ bundle: { name: 'web', spec: { allowPlaintextSecrets: false } }, members: [m] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidInputError);
    const e = err as InvalidInputError;
    expect(e.message).toBe(
      'bundle "web" refuses Secrets: Secret/web/db (secrets/db.yaml): not SOPS-encrypted; encrypt it with sops --age, or set spec.allowPlaintextSecrets',
    );
    const everything = JSON.stringify({ message: e.message, data: e.data });
    for (const leak of ['aHVudGVyMg', 'hunter2', 'password', 'token']) expect(everything).not.toContain(leak);
    expect(e.data.secrets).toEqual([
      { ref: 'Secret/web/db', file: 'secrets/db.yaml', kind: 'plaintext', reason: 'not SOPS-encrypted' },
    ]);
  });

  it.each([
    {
      name: 'allows plaintext when the bundle says so',
      allow: true,
      yaml: 'stringData: {a: b}\n',
      result: 'plaintext',
    },
    { name: 'allows SOPS', allow: false, yaml: `data: {password: "${ENC}"}\n${sops}`, result: 'sops' },
    {
      name: 'refuses non-age SOPS even when plaintext is allowed',
      allow: true,
      yaml: `data: {password: "${ENC}"}\nsops: {kms: [{arn: x}]}\n`,
      result: /Drover decrypts age only/,
    },
  ])('$name', ({ allow, yaml, result }) => {
    const run = () =>
      checkSecrets({
        bundle: { name: 'web', spec: { allowPlaintextSecrets: allow } },
        members: [
          secret(yaml),
          { object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }, file: 'c.yaml' },
        ],
      });
    if (typeof result === 'string') expect(run().map((c) => c.kind)).toEqual([result]);
    else expect(run).toThrow(result);
  });
});

// Decrypts what the real sops CLI wrote (age recipients, YAML and JSON, every
// encryption rule) and compares with the plaintext it was given; then alters
// the encrypted file the ways an attacker could and expects a refusal whose
// message and data carry neither the identity nor the canary value.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { InvalidInputError, UnauthorizedError, type DroverError } from '../errors/errors.ts';
import { decryptSopsObject } from './decrypt.ts';

const run = promisify(execFile);
const CANARY = 'canary-7f3a9c-do-not-leak';

function findSops(): string {
  const candidates = [join(homedir(), 'go', 'bin', 'sops')];
  if (process.env.GOPATH) candidates.push(join(process.env.GOPATH, 'bin', 'sops'));
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir) candidates.push(join(dir, 'sops'));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  throw new Error(
    'sops CLI not found (looked in ~/go/bin/sops, $GOPATH/bin/sops and PATH). These tests need the real sops: run .ci/setup, or ' +
      'GOFLAGS=-buildvcs=false go install github.com/getsops/sops/v3/cmd/sops@v3.11.0',
  );
}

let sops: string;
let dir: string;
let identity: string;
let recipient: string;
let n = 0;

beforeAll(async () => {
  sops = findSops();
  dir = await mkdtemp(join(tmpdir(), 'drover-sops-'));
  identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs `sops --encrypt` on `plain` (YAML or JSON text) in the temp dir and returns the encrypted text. */
async function encrypt(
  plain: string,
  {
    format = 'yaml',
    args = [],
    recipients = [recipient],
  }: { format?: 'yaml' | 'json'; args?: string[]; recipients?: string[] } = {},
): Promise<string> {
  const file = join(dir, `plain-${n++}.${format}`);
  await writeFile(file, plain);
  const { stdout } = await run(
    sops,
    ['--encrypt', '--age', recipients.join(','), ...args, '--input-type', format, '--output-type', format, file],
    {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir },
    },
  );
  return stdout;
}

/** `sops --decrypt` with the identity in SOPS_AGE_KEY: the reference our result must equal. */
async function sopsDecrypt(encrypted: string, format: 'yaml' | 'json' = 'yaml'): Promise<unknown> {
  const file = join(dir, `enc-${n++}.${format}`);
  await writeFile(file, encrypted);
  const { stdout } = await run(sops, ['--decrypt', '--input-type', format, '--output-type', format, file], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: dir, SOPS_AGE_KEY: identity },
  });
  return format === 'json' ? JSON.parse(stdout) : parseYaml(stdout);
}

function parseDoc(text: string, format: 'yaml' | 'json' = 'yaml'): Record<string, unknown> {
  return (format === 'json' ? JSON.parse(text) : parseYaml(text)) as Record<string, unknown>;
}

const SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: web
  labels:
    app: web
  creationTimestamp: 2024-01-01T00:00:00Z
type: Opaque
data:
  user: YWRtaW4=
  password: Y2FuYXJ5LTdmM2E5Yy1kby1ub3QtbGVhaw==
stringData:
  token: ${CANARY} # the comment is encrypted too, and not part of the MAC
  empty: ""
  multiline: |
    line one
    line two ünïcödé
`;

// Everything encrypted: nested maps, lists of scalars, maps and lists, ints, floats, bools, nulls.
const EVERYTHING = `${SECRET}spec:
  replicas: 3
  negative: -12
  ratio: 0.25
  huge: 1e21
  tiny: 0.000001
  enabled: true
  disabled: false
  nothing: null
  note_unencrypted: stays as it is
  items:
    - plain
    - 7
    - false
    - 2.5
    - null
    - name: nested
      ports: [80, 443]
      deeper: {a: {b: {c: ${CANARY}}}}
    - - inner
      - list
`;

async function expectRefused(promise: Promise<unknown>, klass: typeof DroverError): Promise<DroverError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(klass);
  const e = err as DroverError;
  const seen = [
    e.message,
    JSON.stringify(e.toJSON()),
    String(e.stack),
    String(e.cause ?? ''),
    JSON.stringify(e.data),
  ].join('\n');
  expect(seen).not.toContain(CANARY);
  expect(seen).not.toContain(identity);
  expect(seen).not.toContain(identity.slice(16, 40));
  return e;
}

describe('decryptSopsObject on files written by the real sops CLI', () => {
  it.each([
    {
      name: 'data and stringData only (--encrypted-regex, as Flux recommends)',
      plain: SECRET,
      args: ['--encrypted-regex', '^(data|stringData)$'],
    },
    { name: 'everything, including nested maps and lists, ints, floats and bools', plain: EVERYTHING, args: [] },
    {
      name: '--unencrypted-regex',
      plain: EVERYTHING,
      args: ['--unencrypted-regex', '^(apiVersion|kind|metadata|type)$'],
    },
    { name: '--encrypted-suffix', plain: EVERYTHING, args: ['--encrypted-suffix', 'Data'] },
    {
      name: '--unencrypted-suffix',
      plain: EVERYTHING.replace('note_unencrypted', 'note_plain'),
      args: ['--unencrypted-suffix', '_plain'],
    },
    {
      name: '--mac-only-encrypted',
      plain: EVERYTHING,
      args: ['--mac-only-encrypted', '--encrypted-regex', '^(data|stringData|items)$'],
    },
  ])('YAML, $name', async ({ plain, args }) => {
    const encrypted = await encrypt(plain, { args });
    expect(encrypted).toContain('ENC[AES256_GCM,');
    expect(encrypted).not.toContain(`token: ${CANARY}`);
    const got = await decryptSopsObject({ object: parseDoc(encrypted), identities: [identity] });
    expect(got).toEqual(parseYaml(plain));
    expect(got).toEqual(await sopsDecrypt(encrypted));
    expect(got).not.toHaveProperty('sops');
  });

  it('JSON input and output (numbers are floats to sops)', async () => {
    const plain = JSON.stringify({ ...(parseYaml(EVERYTHING) as object), big: 12345678901234, pi: 3.14159 }, null, 2);
    const encrypted = await encrypt(plain, { format: 'json' });
    const got = await decryptSopsObject({ object: parseDoc(encrypted, 'json'), identities: [identity] });
    expect(got).toEqual(JSON.parse(plain));
    expect(got).toEqual(await sopsDecrypt(encrypted, 'json'));
  });

  it('does not change its input', async () => {
    const object = parseDoc(await encrypt(SECRET));
    const before = structuredClone(object);
    await decryptSopsObject({ object, identities: [identity] });
    expect(object).toEqual(before);
  });

  it('finds the stanza of any of several recipients, with identities given as a key file with comments', async () => {
    const other = await generateX25519Identity();
    const encrypted = await encrypt(SECRET, { recipients: [await identityToRecipient(other), recipient] });
    const unrelated = await generateX25519Identity();
    const keyFile = `# created: 2024-01-01T00:00:00Z\n# public key: ${recipient}\n${unrelated}\n\n${identity}\n`;
    const got = await decryptSopsObject({ object: parseDoc(encrypted), identities: [keyFile] });
    expect(got).toEqual(parseYaml(SECRET));
  });

  it('refuses a wrong identity with UnauthorizedError naming the recipients, never the identity', async () => {
    const encrypted = await encrypt(SECRET, { args: ['--encrypted-regex', '^(data|stringData)$'] });
    const wrong = await generateX25519Identity();
    const e = await expectRefused(
      decryptSopsObject({ object: parseDoc(encrypted), identities: [wrong] }),
      UnauthorizedError,
    );
    expect(e.message).toContain('Secret/web/db');
    expect(e.message).toContain(recipient);
    expect(e.message).not.toContain(wrong);
    expect(e.data.identityRecipients).toEqual([await identityToRecipient(wrong)]);
    expect(JSON.stringify(e.toJSON())).not.toContain(wrong);
  });

  it('refuses a malformed identity without echoing it', async () => {
    const encrypted = await encrypt(SECRET);
    // Right shape, wrong checksum: the bech32 library's own message would quote it.
    const broken = identity.slice(0, -1) + (identity.endsWith('Q') ? 'P' : 'Q');
    const err = await decryptSopsObject({ object: parseDoc(encrypted), identities: [broken] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    const e = err as InvalidInputError;
    expect([e.message, JSON.stringify(e.toJSON()), String(e.cause ?? '')].join()).not.toContain(broken.slice(16));
  });

  describe('refuses a file altered after encryption', () => {
    const token = (doc: Record<string, unknown>) => doc.stringData as Record<string, string>;

    it.each([
      {
        name: 'a flipped ciphertext byte',
        alter: (doc: Record<string, unknown>) => {
          const v = token(doc).token!;
          const data = /data:([^,]+)/.exec(v)![1]!;
          const bytes = Buffer.from(data, 'base64');
          bytes[0] = bytes[0]! ^ 1;
          token(doc).token = v.replace(data, bytes.toString('base64'));
        },
        message: /stringData\.token fails AES-GCM authentication/,
      },
      {
        name: 'a value moved to another key',
        alter: (doc: Record<string, unknown>) => {
          token(doc).multiline = token(doc).token!;
        },
        message: /stringData\.multiline fails AES-GCM authentication/,
      },
      {
        name: 'a broken tag',
        alter: (doc: Record<string, unknown>) => {
          token(doc).token = token(doc).token!.replace(/tag:[^,]+/, 'tag:AAAAAAAAAAAAAAAAAAAAAA==');
        },
        message: /stringData\.token fails AES-GCM authentication/,
      },
      {
        name: 'a malformed value',
        alter: (doc: Record<string, unknown>) => {
          token(doc).token = token(doc).token!.replace(/iv:[^,]+/, 'iv:not base64!');
        },
        message: /stringData\.token is not a well-formed SOPS value/,
      },
      {
        name: 'an encrypted value replaced by plaintext',
        alter: (doc: Record<string, unknown>) => {
          token(doc).token = CANARY;
        },
        message: /stringData\.token is not a well-formed SOPS value/,
      },
      {
        name: 'a cleartext field changed (covered by the MAC)',
        alter: (doc: Record<string, unknown>) => {
          (doc.metadata as Record<string, unknown>).name = 'other';
        },
        message: /Secret\/web\/other: SOPS MAC mismatch/,
      },
      {
        name: 'an encrypted value removed',
        alter: (doc: Record<string, unknown>) => {
          delete token(doc).multiline;
        },
        message: /SOPS MAC mismatch/,
      },
      {
        name: 'two encrypted values swapped in order',
        alter: (doc: Record<string, unknown>) => {
          const { token: t, empty, multiline } = token(doc);
          doc.stringData = { multiline, empty, token: t };
        },
        message: /SOPS MAC mismatch/,
      },
      {
        name: 'a tampered MAC',
        alter: (doc: Record<string, unknown>) => {
          const meta = doc.sops as Record<string, string>;
          const data = /data:([^,]+)/.exec(meta.mac!)![1]!;
          meta.mac = meta.mac!.replace(data, `${data.startsWith('A') ? 'B' : 'A'}${data.slice(1)}`);
        },
        message: /the SOPS MAC does not decrypt/,
      },
      {
        name: 'a changed lastmodified',
        alter: (doc: Record<string, unknown>) => {
          (doc.sops as Record<string, string>).lastmodified = '2001-01-01T00:00:00Z';
        },
        message: /the SOPS MAC does not decrypt/,
      },
    ])('$name', async ({ alter, message }) => {
      const doc = parseDoc(await encrypt(SECRET, { args: ['--encrypted-regex', '^(data|stringData)$'] }));
      alter(doc);
      const e = await expectRefused(decryptSopsObject({ object: doc, identities: [identity] }), InvalidInputError);
      expect(e.message).toMatch(message);
      expect(e.data.ref).toMatch(/^Secret\/web\//);
    });

    it('a MAC replaced by one over other values (it is encrypted with the data key, so it cannot be forged)', async () => {
      const a = parseDoc(await encrypt(SECRET, { args: ['--encrypted-regex', '^(data|stringData)$'] }));
      const b = parseDoc(
        await encrypt(SECRET.replace('app: web', 'app: api'), { args: ['--encrypted-regex', '^(data|stringData)$'] }),
      );
      (a.sops as Record<string, unknown>).mac = (b.sops as Record<string, unknown>).mac;
      (a.sops as Record<string, unknown>).lastmodified = (b.sops as Record<string, unknown>).lastmodified;
      await expectRefused(decryptSopsObject({ object: a, identities: [identity] }), InvalidInputError);
    });
  });

  it('names a fully encrypted object without decrypting its name', async () => {
    const doc = parseDoc(await encrypt(SECRET));
    (doc.sops as Record<string, string>).lastmodified = '2001-01-01T00:00:00Z';
    const e = await expectRefused(decryptSopsObject({ object: doc, identities: [identity] }), InvalidInputError);
    expect(e.message).toContain('(encrypted)/(encrypted)/(encrypted)');
  });

  it('explains a MAC mismatch caused by index-like map keys, which JavaScript objects reorder', async () => {
    const encrypted = await encrypt('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  b: x\n  "1": y\n');
    const e = await expectRefused(
      decryptSopsObject({ object: parseDoc(encrypted), identities: [identity] }),
      InvalidInputError,
    );
    expect(e.message).toMatch(/MAC mismatch.*array indices/);
  });

  it('stops when the signal is aborted', async () => {
    const object = parseDoc(await encrypt(SECRET));
    const controller = new AbortController();
    controller.abort();
    await expect(decryptSopsObject({ object, identities: [identity], signal: controller.signal })).rejects.toThrow(
      /abort/i,
    );
  });
});

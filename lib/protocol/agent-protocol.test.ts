import { describe, expect, it } from 'vitest';
import { DocumentRefusedError, InvalidInputError } from '../errors/errors.ts';
import { generateKeyPair } from '../signature/generate-key-pair.ts';
import { parsePublicKey } from '../signature/public-key.ts';
import { keySigner } from '../signature/signer.ts';
import {
  type AgentStatus,
  decodeIndex,
  decodeStatus,
  EMPTY_DIGEST,
  encodeIndex,
  encodeStatus,
  type EnvironmentIndex,
  statusRepository,
  waveTag,
} from './agent-protocol.ts';
import { freshnessRefusal, isStale, nextSequence } from './document-freshness.ts';

const digest = `sha256:${'a'.repeat(64)}`;
const status: Omit<AgentStatus, 'protocol'> = {
  sequence: 1_765_000_000_000,
  bundle: 'web',
  cluster: 'c3',
  environment: 'edge',
  tag: 'edge.w1',
  desired: digest,
  running: { version: '1.0.1', digest },
  state: 'succeeded',
  health: 'Current',
  failedObject: null,
  reason: null,
  agent: 'drover-agent/0.1.0',
  time: '2026-12-02T10:00:00.000Z',
};
const index: Omit<EnvironmentIndex, 'protocol'> = {
  sequence: 7,
  environment: 'edge',
  bundles: ['web'],
  retire: [],
  clusters: {},
  selfHeal: {},
};
type Manifest = Record<string, unknown> & { annotations: Record<string, string> };
const json = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes)) as Manifest;
const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
/** The manifest with its document replaced (its signature, if any, kept: it no longer matches). */
const withDoc = (m: Manifest, key: string, doc: unknown) =>
  bytes({ ...m, annotations: { ...m.annotations, [key]: JSON.stringify(doc) } });

function party(name: string) {
  const pair = generateKeyPair();
  return {
    signer: keySigner({ privateKeyPem: pair.privateKeyPem, name }),
    key: parsePublicKey({ pem: pair.publicKeyPem, name }),
    privateKeyPem: pair.privateKeyPem,
  };
}
const hub = party('hub');
const agent = party('agent c3');
const stranger = party('another drover');
const where = { bundle: 'web', cluster: 'c3' };
const none = { ...where, trustedKeys: [] };

/** The refusal a read throws: its class, its reason, its message. */
function refusal(read: () => unknown): { reason: unknown; message: string } {
  try {
    read();
  } catch (err) {
    expect(err).toBeInstanceOf(DocumentRefusedError);
    return { reason: (err as DocumentRefusedError).data.reason, message: (err as Error).message };
  }
  throw new Error('not refused');
}

describe('agent protocol names', () => {
  it('puts statuses in one repository per cluster and names wave tags <env>.w<k>', () => {
    expect(statusRepository('c3')).toBe('drover.status/c3');
    expect(waveTag('prod', 2)).toBe('prod.w2');
    expect(EMPTY_DIGEST).toBe('sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  });
});

describe('signed documents (protocol 2)', () => {
  it('signs a status over the exact text of its annotation and verifies it with the trusted key, naming it', async () => {
    const m = json(await encodeStatus({ status, signer: agent.signer }));
    expect(m.annotations['drover.dev/key']).toBe(agent.key.keyId);
    expect(m.annotations['drover.dev/signature']).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const read = decodeStatus(bytes(m), { ...where, trustedKeys: [stranger.key, agent.key] });
    expect(read).toEqual({ document: { protocol: 2, ...status }, keyId: agent.key.keyId, sequence: status.sequence });
    // The private key is nowhere in what is written.
    const body = agent.privateKeyPem.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'));
    for (const line of body) expect(JSON.stringify(m)).not.toContain(line);
  });

  it('signs an index with the hub key', async () => {
    const read = decodeIndex(await encodeIndex({ index, signer: hub.signer }), {
      environment: 'edge',
      trustedKeys: [hub.key],
    });
    expect(read.keyId).toBe(hub.key.keyId);
    expect(read.sequence).toBe(7);
    expect(read.document).toMatchObject({ protocol: 2, sequence: 7, bundles: ['web'] });
  });

  it('refuses a tampered document: one byte of the signed text changed', async () => {
    const m = json(await encodeStatus({ status, signer: agent.signer }));
    m.annotations['drover.dev/status'] = m.annotations['drover.dev/status']!.replace('"succeeded"', '"rolled-back"');
    const r = refusal(() => decodeStatus(bytes(m), { ...where, trustedKeys: [agent.key] }));
    expect(r.reason).toBe('bad-signature');
    expect(r.message).toMatch(/^status of web on c3: not accepted \(bad-signature\)/);
  });

  it('refuses a document signed by a key not trusted here, even when it claims a trusted key id', async () => {
    const m = json(await encodeIndex({ index: { ...index, retire: ['cart'] }, signer: stranger.signer }));
    expect(refusal(() => decodeIndex(bytes(m), { environment: 'edge', trustedKeys: [hub.key] })).reason).toBe(
      'untrusted-key',
    );
    m.annotations['drover.dev/key'] = hub.key.keyId;
    expect(refusal(() => decodeIndex(bytes(m), { environment: 'edge', trustedKeys: [hub.key] })).reason).toBe(
      'bad-signature',
    );
  });

  it('refuses an unsigned document when it trusts a key; accepts it (keyId null) only when it trusts none', async () => {
    const unsigned = await encodeStatus({ status });
    expect(json(unsigned).annotations['drover.dev/signature']).toBeUndefined();
    expect(refusal(() => decodeStatus(unsigned, { ...where, trustedKeys: [agent.key] })).reason).toBe('unsigned');
    expect(decodeStatus(unsigned, none)).toMatchObject({ keyId: null, document: { state: 'succeeded' } });
    // A reader trusting no key cannot tell a signed one from a forged one either: nothing verified.
    expect(decodeStatus(await encodeStatus({ status, signer: stranger.signer }), none).keyId).toBeNull();
  });

  it.each([
    ['a status', 'drover.dev/status', async () => json(await encodeStatus({ status })), "c3's agent"],
    ['an index', 'drover.dev/index', async () => json(await encodeIndex({ index })), 'the hub'],
  ])(
    'refuses %s of protocol 1 saying the other side must be upgraded, never reading it as a downgrade',
    async (_n, key, make, writer) => {
      const m = await make();
      const doc = JSON.parse(m.annotations[key]!) as Record<string, unknown>;
      const v1: Record<string, unknown> = { ...doc, protocol: 1 };
      delete v1.sequence;
      const read = () =>
        key === 'drover.dev/index'
          ? decodeIndex(withDoc(m, key, v1), { environment: 'edge', trustedKeys: [] })
          : decodeStatus(withDoc(m, key, v1), none);
      const r = refusal(read);
      expect(r.reason).toBe('protocol');
      expect(r.message).toContain(`written by ${writer} speaking agent protocol 1`);
      expect(r.message).toContain(`upgrade ${writer} to a Drover speaking protocol 2`);
    },
  );

  it('refuses a newer protocol, asking to upgrade this side', async () => {
    const m = json(await encodeStatus({ status }));
    const r = refusal(() => decodeStatus(withDoc(m, 'drover.dev/status', { ...status, protocol: 3 }), none));
    expect(r).toMatchObject({ reason: 'protocol' });
    expect(r.message).toMatch(/written for agent protocol 3; this Drover speaks 2: upgrade this side/);
  });
});

describe('freshness', () => {
  const now = Date.parse('2026-12-08T00:00:00.000Z');
  it('numbers documents above the last written, and by the clock when that is higher (a restart keeps growing)', () => {
    expect(nextSequence({ last: undefined, nowMs: now })).toBe(now);
    expect(nextSequence({ last: now + 5, nowMs: now })).toBe(now + 6);
    expect(nextSequence({ last: 3, nowMs: now })).toBe(now);
  });

  it.each([
    ['the same document read again', { sequence: 10, lastAccepted: 10 }, undefined],
    ['a newer one', { sequence: 11, lastAccepted: 10 }, undefined],
    ['the first one', { sequence: 1, lastAccepted: undefined }, undefined],
    ['an older one put back (replay)', { sequence: 9, lastAccepted: 10 }, 'replayed'],
    ['one dated within the skew', { sequence: 11, lastAccepted: 10, time: '2026-12-08T00:00:59.000Z' }, undefined],
    ['one dated next year', { sequence: 11, lastAccepted: 10, time: '2027-12-08T00:00:00.000Z' }, 'future'],
    [
      'one dated beyond a smaller skew',
      { sequence: 11, lastAccepted: 10, time: '2026-12-08T00:00:06.000Z', skewMs: 5_000 },
      'future',
    ],
  ])('%s', (_n, args, reason) => {
    expect(freshnessRefusal({ ...args, nowMs: now })?.reason).toBe(reason);
  });

  it('is Stale after three poll intervals', () => {
    const t = new Date(now - 90_000).toISOString();
    expect(isStale({ time: t, pollSeconds: 30, nowMs: now })).toBe(false);
    expect(isStale({ time: t, pollSeconds: 30, nowMs: now + 1 })).toBe(true);
    expect(isStale({ time: t, pollSeconds: 60, nowMs: now + 1 })).toBe(false);
  });
});

describe('status documents', () => {
  it('round-trips through an OCI image manifest with the empty config and one empty layer', async () => {
    const m = json(await encodeStatus({ status }));
    expect(m).toMatchObject({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.drover.status.v1',
      config: { digest: EMPTY_DIGEST, size: 2 },
      layers: [{ digest: EMPTY_DIGEST, size: 2 }],
    });
    expect(decodeStatus(await encodeStatus({ status }), none).document).toEqual({ protocol: 2, ...status });
    const drifted = {
      ...status,
      drift: {
        policy: 'heal' as const,
        open: 0,
        heals: 1,
        lastHeal: { outcome: 'healed', message: null, time: '2026-12-02T10:00:01.000Z' },
      },
    };
    expect(decodeStatus(await encodeStatus({ status: drifted }), none).document).toEqual({ protocol: 2, ...drifted });
  });

  it('ignores fields it does not know', async () => {
    const m = json(await encodeStatus({ status }));
    const doc = { ...(JSON.parse(m.annotations['drover.dev/status']!) as object), later: 'field' };
    expect(decodeStatus(withDoc(m, 'drover.dev/status', doc), none).document.state).toBe('succeeded');
  });

  it.each([
    [
      'another artifact type',
      (m: Manifest) => bytes({ ...m, artifactType: 'application/vnd.drover.index.v1' }),
      /not a application\/vnd\.drover\.status\.v1 manifest/,
    ],
    [
      "another cluster's status",
      (m: Manifest) => withDoc(m, 'drover.dev/status', { ...status, protocol: 2, cluster: 'c2' }),
      /status of "web" on "c2"/,
    ],
    [
      'an unknown state',
      (m: Manifest) => withDoc(m, 'drover.dev/status', { ...status, protocol: 2, state: 'great' }),
      /state "great" is not one of/,
    ],
    [
      'a desired that is no digest',
      (m: Manifest) => withDoc(m, 'drover.dev/status', { ...status, protocol: 2, desired: 'latest' }),
      /desired is not a digest/,
    ],
    [
      'no sequence',
      (m: Manifest) => withDoc(m, 'drover.dev/status', { ...status, protocol: 2, sequence: 'one' }),
      /no sequence number/,
    ],
    ['no annotation', (m: Manifest) => bytes({ ...m, annotations: {} }), /no drover\.dev\/status annotation/],
    ['not JSON', () => new TextEncoder().encode('{'), /not JSON/],
  ])('refuses %s, naming what it read', async (_name, make, message) => {
    const m = json(await encodeStatus({ status }));
    const read = () => decodeStatus(make(m), none);
    expect(read).toThrow(InvalidInputError);
    expect(read).toThrow(message);
    expect(read).toThrow(/^status of web on c3: /);
  });
});

describe('index documents', () => {
  it('round-trips, bundles sorted and unique', async () => {
    const b = await encodeIndex({
      index: {
        sequence: 3,
        environment: 'edge',
        bundles: ['web', 'api', 'web'],
        retire: ['old', 'web'],
        clusters: { c3: { tag: 'edge.w1' } },
        selfHeal: { web: 'heal', api: 'off', old: 'heal' },
      },
    });
    // A bundle listed is never also retired; only listed bundles carry a policy.
    expect(decodeIndex(b, { environment: 'edge', trustedKeys: [] }).document).toEqual({
      protocol: 2,
      sequence: 3,
      environment: 'edge',
      bundles: ['api', 'web'],
      retire: ['old'],
      clusters: { c3: { tag: 'edge.w1' } },
      selfHeal: { api: 'off', web: 'heal' },
    });
  });

  it.each([
    ['an index written before selfHeal existed', undefined],
    ['a policy this reader does not know', { web: 'heal-harder' }],
    ['no entry for the bundle', { api: 'heal' }],
  ])('reads %s as report for the bundle: an agent never heals unless told to', async (_, selfHeal) => {
    const m = json(await encodeIndex({ index }));
    const doc = { protocol: 2, sequence: 1, environment: 'edge', bundles: ['web'], ...(selfHeal ? { selfHeal } : {}) };
    expect(
      decodeIndex(withDoc(m, 'drover.dev/index', doc), { environment: 'edge', trustedKeys: [] }).document.selfHeal,
    ).toEqual({ web: 'report' });
  });

  it("refuses another environment's index and bad names", async () => {
    const m = json(await encodeIndex({ index }));
    const at = { environment: 'edge', trustedKeys: [] };
    const doc = (d: object) => withDoc(m, 'drover.dev/index', { protocol: 2, sequence: 1, environment: 'edge', ...d });
    const prod = await encodeIndex({ index: { ...index, environment: 'prod' } });
    expect(() => decodeIndex(prod, at)).toThrow(/index of "prod"/);
    expect(() => decodeIndex(doc({ bundles: [], retire: ['A B'] }), at)).toThrow(
      /retire is not a list of bundle names/,
    );
    expect(() => decodeIndex(doc({ bundles: ['../etc'] }), at)).toThrow(/not a list of bundle names/);
    expect(() => decodeIndex(doc({ bundles: [], clusters: { c3: { tag: 'no tag!' } } }), at)).toThrow(
      /clusters\.c3 is not \{tag\}/,
    );
  });
});

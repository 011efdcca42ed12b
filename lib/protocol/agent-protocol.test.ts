import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/errors.ts';
import {
  type AgentStatus,
  decodeIndex,
  decodeStatus,
  EMPTY_DIGEST,
  encodeIndex,
  encodeStatus,
  statusRepository,
  waveTag,
} from './agent-protocol.ts';

const digest = `sha256:${'a'.repeat(64)}`;
const status: Omit<AgentStatus, 'protocol'> = {
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
const json = (bytes: Uint8Array) =>
  JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown> & { annotations: Record<string, string> };
const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const withDoc = (m: ReturnType<typeof json>, key: string, doc: unknown) =>
  bytes({ ...m, annotations: { [key]: JSON.stringify(doc) } });

describe('agent protocol names', () => {
  it('puts statuses in one repository per cluster and names wave tags <env>.w<k>', () => {
    expect(statusRepository('c3')).toBe('drover.status/c3');
    expect(waveTag('prod', 2)).toBe('prod.w2');
    expect(EMPTY_DIGEST).toBe('sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  });
});

describe('status documents', () => {
  it('round-trips through an OCI image manifest with the empty config and one empty layer', () => {
    const m = json(encodeStatus(status));
    expect(m).toMatchObject({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.drover.status.v1',
      config: { digest: EMPTY_DIGEST, size: 2 },
      layers: [{ digest: EMPTY_DIGEST, size: 2 }],
    });
    expect(decodeStatus(encodeStatus(status), { bundle: 'web', cluster: 'c3' })).toEqual({ protocol: 1, ...status });
    const drifted = {
      ...status,
      drift: {
        policy: 'heal' as const,
        open: 0,
        heals: 1,
        lastHeal: { outcome: 'healed', message: null, time: '2026-12-02T10:00:01.000Z' },
      },
    };
    expect(decodeStatus(encodeStatus(drifted), { bundle: 'web', cluster: 'c3' })).toEqual({ protocol: 1, ...drifted });
  });

  it('ignores fields it does not know', () => {
    const m = json(encodeStatus(status));
    const doc = { ...(JSON.parse(m.annotations['drover.dev/status']!) as object), later: 'field' };
    expect(decodeStatus(withDoc(m, 'drover.dev/status', doc), { bundle: 'web', cluster: 'c3' }).state).toBe(
      'succeeded',
    );
  });

  it.each([
    [
      'another artifact type',
      (m: ReturnType<typeof json>) => bytes({ ...m, artifactType: 'application/vnd.drover.index.v1' }),
      /not a application\/vnd\.drover\.status\.v1 manifest/,
    ],
    [
      'a newer protocol',
      (m: ReturnType<typeof json>) => withDoc(m, 'drover.dev/status', { ...status, protocol: 2 }),
      /written for protocol 2; this Drover speaks 1/,
    ],
    [
      "another cluster's status",
      (m: ReturnType<typeof json>) => withDoc(m, 'drover.dev/status', { ...status, protocol: 1, cluster: 'c2' }),
      /status of "web" on "c2"/,
    ],
    [
      'an unknown state',
      (m: ReturnType<typeof json>) => withDoc(m, 'drover.dev/status', { ...status, protocol: 1, state: 'great' }),
      /state "great" is not one of/,
    ],
    [
      'a desired that is no digest',
      (m: ReturnType<typeof json>) => withDoc(m, 'drover.dev/status', { ...status, protocol: 1, desired: 'latest' }),
      /desired is not a digest/,
    ],
    [
      'no annotation',
      (m: ReturnType<typeof json>) => bytes({ ...m, annotations: {} }),
      /no drover\.dev\/status annotation/,
    ],
    ['not JSON', () => new TextEncoder().encode('{'), /not JSON/],
  ])('refuses %s, naming what it read', (_name, make, message) => {
    const read = () => decodeStatus(make(json(encodeStatus(status))), { bundle: 'web', cluster: 'c3' });
    expect(read).toThrow(InvalidInputError);
    expect(read).toThrow(message);
    expect(read).toThrow(/^status of web on c3: /);
  });
});

describe('index documents', () => {
  it('round-trips, bundles sorted and unique', () => {
    const b = encodeIndex({
      environment: 'edge',
      bundles: ['web', 'api', 'web'],
      retire: ['old', 'web'],
      clusters: { c3: { tag: 'edge.w1' } },
      selfHeal: { web: 'heal', api: 'off', old: 'heal' },
    });
    // A bundle listed is never also retired; only listed bundles carry a policy.
    expect(decodeIndex(b, { environment: 'edge' })).toEqual({
      protocol: 1,
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
  ])('reads %s as report for the bundle: an agent never heals unless told to', (_, selfHeal) => {
    const m = json(encodeIndex({ environment: 'edge', bundles: ['web'], retire: [], clusters: {}, selfHeal: {} }));
    const doc = { protocol: 1, environment: 'edge', bundles: ['web'], ...(selfHeal ? { selfHeal } : {}) };
    expect(decodeIndex(withDoc(m, 'drover.dev/index', doc), { environment: 'edge' }).selfHeal).toEqual({
      web: 'report',
    });
  });

  it("refuses another environment's index and bad names", () => {
    const m = json(encodeIndex({ environment: 'edge', bundles: ['web'], retire: [], clusters: {}, selfHeal: {} }));
    expect(() =>
      decodeIndex(encodeIndex({ environment: 'prod', bundles: [], retire: [], clusters: {}, selfHeal: {} }), {
        environment: 'edge',
      }),
    ).toThrow(/index of "prod"/);
    expect(() =>
      decodeIndex(withDoc(m, 'drover.dev/index', { protocol: 1, environment: 'edge', bundles: [], retire: ['A B'] }), {
        environment: 'edge',
      }),
    ).toThrow(/retire is not a list of bundle names/);
    expect(() =>
      decodeIndex(withDoc(m, 'drover.dev/index', { protocol: 1, environment: 'edge', bundles: ['../etc'] }), {
        environment: 'edge',
      }),
    ).toThrow(/not a list of bundle names/);
    expect(() =>
      decodeIndex(
        withDoc(m, 'drover.dev/index', {
          protocol: 1,
          environment: 'edge',
          bundles: [],
          clusters: { c3: { tag: 'no tag!' } },
        }),
        { environment: 'edge' },
      ),
    ).toThrow(/clusters\.c3 is not \{tag\}/);
  });
});

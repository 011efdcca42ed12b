import { describe, expect, it } from 'vitest';
import { IntegrityError, InvalidInputError } from '../errors/errors.ts';
import type { KubeObject } from '../object/ref.ts';
import { gzipDeterministic } from './gzip.ts';
import { packBundle, type Provenance } from './pack.ts';
import { DEFAULT_POLICY, resolvePolicy } from './policy.ts';
import { writeTar } from './tar.ts';
import { parseBundleConfig, unpackBundle, unpackLayer } from './unpack.ts';

const objects: KubeObject[] = [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'web' }, data: { a: 'b' } },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'web' }, spec: { replicas: 1 } },
];
const provenance: Provenance = {
  source: 'https://git.example.com/r.git',
  commit: 'abc',
  changedPaths: [],
  author: 'A <a@x>',
  commitTime: '2024-01-01T00:00:00Z',
  parent: null,
};
const packed = packBundle({ name: 'web', version: '1.0.0', objects, provenance });
const enc = new TextEncoder();
const layerOf = (files: Partial<Record<string, string>>) =>
  gzipDeterministic({
    data: writeTar({
      entries: Object.entries(files).map(([path, text]) => ({ path, content: enc.encode(text ?? '') })),
    }),
  });

describe('unpack', () => {
  it('round-trips a packed bundle', () => {
    const { config, members } = unpackBundle({ config: packed.config, layer: packed.layer });
    expect(config.name).toBe('web');
    expect(config.provenance.parent).toBeNull();
    expect(members.map((m) => m.path)).toEqual(['web/apps/Deployment/api.json', 'web/core/ConfigMap/cfg.json']);
    expect(members.map((m) => m.object)).toEqual([objects[1], objects[0]]);
    expect(members.map((m) => m.digest)).toEqual(config.members.map((m) => m.digest));
  });

  it.each([
    {
      name: 'a file at the wrong path',
      files: {
        'web/core/ConfigMap/other.json':
          '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","namespace":"web"}}',
      },
      message: /holds web\/core\/ConfigMap\/cfg\.json/,
    },
    {
      name: 'non-canonical JSON',
      files: {
        'web/core/ConfigMap/cfg.json':
          '{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cfg","namespace":"web"}}',
      },
      message: /not in canonical form/,
    },
    { name: 'not JSON', files: { 'web/core/ConfigMap/cfg.json': 'kind: ConfigMap' }, message: /is not JSON/ },
  ])('refuses a layer with $name', ({ files, message }) => {
    expect(() => unpackLayer({ layer: layerOf(files) })).toThrow(IntegrityError);
    expect(() => unpackLayer({ layer: layerOf(files) })).toThrow(message);
  });

  it('enforces limits', () => {
    expect(() => unpackLayer({ layer: packed.layer, limits: { maxEntries: 1 } })).toThrow(InvalidInputError);
    expect(() => unpackLayer({ layer: packed.layer, limits: { maxTotalBytes: 10 } })).toThrow(/exceed 10 bytes/);
  });

  it('refuses a layer that does not match the config', () => {
    const other = packBundle({ name: 'web', version: '1.0.0', objects: [objects[0]!], provenance });
    expect(() => unpackBundle({ config: packed.config, layer: other.layer })).toThrow(
      /member web\/apps\/Deployment\/api\.json is missing/,
    );
    expect(() => unpackBundle({ config: other.config, layer: packed.layer })).toThrow(
      /does not list: web\/apps\/Deployment\/api\.json/,
    );
    const changed = packBundle({
      name: 'web',
      version: '1.0.0',
      objects: [{ ...objects[0]!, data: { a: 'c' } }, objects[1]!],
      provenance,
    });
    expect(() => unpackBundle({ config: packed.config, layer: changed.layer })).toThrow(
      /has digest sha256:[a-f0-9]+, config says/,
    );
  });

  it.each([
    { name: 'not JSON', text: 'nope', message: /not JSON/ },
    {
      name: 'missing fields',
      text: '{"name":"web","version":"1.0.0","members":[{"kind":"X"}]}',
      message: /malformed: members\[0\], provenance/,
    },
    {
      name: 'a bad version',
      text: '{"name":"web","version":"one","members":[],"provenance":{"source":"","commit":"","author":"","commitTime":"","changedPaths":[],"parent":null}}',
      message: /malformed: version$/,
    },
  ])('parseBundleConfig refuses $name', ({ text, message }) => {
    expect(() => parseBundleConfig({ bytes: enc.encode(text) })).toThrow(message);
  });

  it('carries a non-default apply policy in the config, and leaves the default out', () => {
    const stored = {
      recreateOnImmutableChange: false,
      prune: { enabled: true, protected: true, propagationPolicy: 'Foreground' as const },
    };
    const policy = { ...DEFAULT_POLICY, ...stored };
    const withPolicy = packBundle({ name: 'web', version: '1.0.0', objects, provenance, policy });
    expect(unpackBundle({ config: withPolicy.config, layer: withPolicy.layer }).config.policy).toEqual(stored);
    expect(withPolicy.configDigest).not.toBe(packed.configDigest);
    const withDefault = packBundle({
      name: 'web',
      version: '1.0.0',
      objects,
      provenance,
      policy: { ...policy, prune: { enabled: true, protected: false, propagationPolicy: 'Background' } },
    });
    expect(withDefault.configDigest).toBe(packed.configDigest);
  });

  it('stores adopt, shared, allowEmpty and createNamespace only when set, and reads them back', () => {
    const adopt = [{ kind: 'ConfigMap', name: 'legacy' }];
    const policy = { ...DEFAULT_POLICY, adopt, allowEmpty: true, createNamespace: true };
    const p = packBundle({ name: 'web', version: '1.0.0', objects, provenance, policy });
    const read = unpackBundle({ config: p.config, layer: p.layer }).config.policy;
    expect(read).toEqual({
      recreateOnImmutableChange: false,
      prune: DEFAULT_POLICY.prune,
      adopt,
      allowEmpty: true,
      createNamespace: true,
    });
    expect(resolvePolicy(read)).toEqual(policy);
    expect(() =>
      parseBundleConfig({ bytes: enc.encode(new TextDecoder().decode(p.config).replace('"legacy"', '7')) }),
    ).toThrow(/policy\.adopt/);
  });

  it.each([
    ['not an object', 'x'],
    ['a prune that is not an object', { prune: 3 }],
    ['a non-boolean prune.protected', { prune: { protected: 'yes' } }],
    ['an unknown propagation policy', { prune: { propagationPolicy: 'Sometimes' } }],
  ])('refuses a config whose policy is %s', (_name, policy) => {
    const doc = { ...(JSON.parse(new TextDecoder().decode(packed.config)) as object), policy };
    expect(() => parseBundleConfig({ bytes: enc.encode(JSON.stringify(doc)) })).toThrow(
      /bundle config is malformed: policy/,
    );
  });
});

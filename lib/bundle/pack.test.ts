import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { contentDigest, sha256 } from '../object/canonical.ts';
import type { KubeObject } from '../object/ref.ts';
import { memberPath, normalizeCommitTime, packBundle, redactSourceUrl, type Provenance } from './pack.ts';
import { readTar } from './tar.ts';

const objects = (yaml: string) => parseAllDocuments(yaml).map((d) => d.toJS() as KubeObject);
const members = objects(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec: {replicas: 2, template: {spec: {containers: [{name: api, image: "api:1"}]}}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: api-env, namespace: web}
data: {MODE: prod}
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
`);
const provenance: Provenance = {
  source: 'https://user:s3cret@git.example.com/team/apps.git',
  commit: '0123456789abcdef0123456789abcdef01234567',
  changedPaths: ['web/deploy.yaml', 'web/cm.yaml', 'web/deploy.yaml'],
  author: 'Ada <ada@example.com>',
  commitTime: '2024-05-01T14:00:00+02:00',
  parent: '1.0.0',
};
const decode = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b)) as Record<string, unknown>;

describe('packBundle', () => {
  const packed = packBundle({ name: 'web', version: '1.0.1', objects: members, provenance });

  it('is byte-identical when packed twice, with members shuffled or keys reordered', () => {
    const again = packBundle({ name: 'web', version: '1.0.1', objects: members, provenance });
    expect(again).toEqual(packed);
    const shuffled = [members[2]!, members[0]!, members[1]!].map(
      (o) => Object.fromEntries(Object.entries(o).reverse()) as KubeObject,
    );
    expect(packBundle({ name: 'web', version: '1.0.1', objects: shuffled, provenance }).manifestDigest).toBe(
      packed.manifestDigest,
    );
  });

  it('pins the layer digest: stored gzip does not depend on the zlib build', () => {
    expect(packed.layerDigest).toBe(sha256(packed.layer));
    expect(packed.layerDigest).toBe('sha256:37c4df269e29d42546a3704c7c68639359f66ca838a35874f3b8c02a1a240e65');
  });

  it('changes digest when content, version or provenance change', () => {
    const changed = members.map((o) => (o.kind === 'ConfigMap' ? { ...o, data: { MODE: 'dev' } } : o));
    expect(packBundle({ name: 'web', version: '1.0.1', objects: changed, provenance }).layerDigest).not.toBe(
      packed.layerDigest,
    );
    expect(packBundle({ name: 'web', version: '1.0.2', objects: members, provenance }).manifestDigest).not.toBe(
      packed.manifestDigest,
    );
    expect(
      packBundle({
        name: 'web',
        version: '1.0.1',
        objects: members,
        provenance: { ...provenance, commit: 'f'.repeat(40) },
      }).configDigest,
    ).not.toBe(packed.configDigest);
  });

  it('lays out one canonical JSON file per member; file sha256 = member digest', () => {
    const entries = readTar({ bytes: new Uint8Array(gunzipSync(packed.layer)) });
    expect(entries.map((e) => e.path)).toEqual([
      '_cluster/scheduling.k8s.io/PriorityClass/high.json',
      'web/apps/Deployment/api.json',
      'web/core/ConfigMap/api-env.json',
    ]);
    for (const e of entries) {
      const obj = decode(e.content) as unknown as KubeObject;
      expect(sha256(e.content)).toBe(contentDigest(obj));
    }
  });

  it('writes the config with stable key order and provenance without credentials', () => {
    const config = decode(packed.config);
    expect(Object.keys(config)).toEqual(['name', 'version', 'members', 'provenance']);
    expect(config).toEqual({
      name: 'web',
      version: '1.0.1',
      members: [
        {
          apiVersion: 'scheduling.k8s.io/v1',
          kind: 'PriorityClass',
          namespace: '',
          name: 'high',
          digest: contentDigest(members[2]!),
        },
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          namespace: 'web',
          name: 'api',
          digest: contentDigest(members[0]!),
        },
        { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'api-env', digest: contentDigest(members[1]!) },
      ],
      provenance: {
        source: 'https://git.example.com/team/apps.git',
        commit: provenance.commit,
        changedPaths: ['web/cm.yaml', 'web/deploy.yaml'],
        author: 'Ada <ada@example.com>',
        commitTime: '2024-05-01T12:00:00Z',
        parent: '1.0.0',
      },
    });
    expect(new TextDecoder().decode(packed.config)).not.toContain('s3cret');
  });

  it('writes an OCI 1.1 artifact manifest that ORAS can pull as a file', () => {
    expect(decode(packed.manifest)).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.drover.bundle.v1',
      config: {
        mediaType: 'application/vnd.drover.bundle.config.v1+json',
        digest: packed.configDigest,
        size: packed.config.length,
      },
      layers: [
        {
          mediaType: 'application/vnd.drover.bundle.manifests.v1.tar+gzip',
          digest: packed.layerDigest,
          size: packed.layer.length,
          annotations: { 'org.opencontainers.image.title': 'web-1.0.1.tar.gz' },
        },
      ],
      annotations: {
        'org.opencontainers.image.created': '2024-05-01T12:00:00Z',
        'org.opencontainers.image.revision': provenance.commit,
        'org.opencontainers.image.source': 'https://git.example.com/team/apps.git',
        'org.opencontainers.image.title': 'web',
        'org.opencontainers.image.version': '1.0.1',
      },
    });
    expect(packed.manifestDigest).toBe(sha256(packed.manifest));
  });

  it.each([
    { name: 'a bad bundle name', args: { name: 'Web' }, message: /not a DNS-1123 label/ },
    { name: 'a bad version', args: { version: 'v1' }, message: /not a semver/ },
    {
      name: 'a bad parent',
      args: { provenance: { ...provenance, parent: 'latest' } },
      message: /parent version "latest"/,
    },
    {
      name: 'a bad commit time',
      args: { provenance: { ...provenance, commitTime: 'yesterday' } },
      message: /not an RFC 3339 time/,
    },
    { name: 'a duplicate member', args: { objects: [members[0]!, members[0]!] }, message: /twice/ },
    {
      name: 'a name with a slash',
      args: { objects: objects('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "../x", namespace: n}') },
      message: /cannot be packed/,
    },
  ])('refuses $name', ({ args, message }) => {
    expect(() => packBundle({ name: 'web', version: '1.0.1', objects: members, provenance, ...args })).toThrow(message);
  });

  it.each([
    ['https://user:pw@example.com/r.git', 'https://example.com/r.git'],
    ['https://token@example.com/r.git', 'https://example.com/r.git'],
    ['https://example.com/r.git', 'https://example.com/r.git'],
    ['/srv/git/repo', '/srv/git/repo'],
  ])('redactSourceUrl(%s) = %s', (input, output) => {
    expect(redactSourceUrl(input)).toBe(output);
  });

  it.each([
    ['2024-05-01T12:00:00Z', '2024-05-01T12:00:00Z'],
    ['2024-05-01T14:00:00.750+02:00', '2024-05-01T12:00:00Z'],
  ])('normalizeCommitTime(%s) = %s', (input, output) => {
    expect(normalizeCommitTime(input)).toBe(output);
  });

  it('refuses at cut a member or a layer that unpacking the version would refuse', () => {
    const big = (name: string, bytes: number): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'web' },
      data: { blob: 'x'.repeat(bytes) },
    });
    expect(() =>
      packBundle({
        name: 'web',
        version: '1.0.0',
        targets: [{ name: 'prod', objects: [big('huge', 9 << 20)] }],
        provenance,
      }),
    ).toThrow(
      /^bundle web, target prod: ConfigMap\/web\/huge is \d+ bytes as stored, more than the 8388608 a member may be/,
    );
    const many = Array.from({ length: 10_001 }, (_, i) => big(`part-${i}`, 1));
    expect(() => packBundle({ name: 'web', version: '1.0.0', objects: many, provenance })).toThrow(
      /^bundle web: 10001 members of \d+ bytes as stored, more than a version's layer may hold \(10000 members, 134217728 bytes\)/,
    );
  });

  it('memberPath uses _cluster and core for the empty namespace and group', () => {
    expect(memberPath({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } })).toBe(
      '_cluster/core/Namespace/web.json',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { formatRef, type KubeObject } from '../object/ref.ts';
import { diffMembers, diffObjects, formatFieldPath, maskSecrets } from './diff.ts';

const obj = (yaml: string) => parse(yaml) as KubeObject;
const ENC = 'ENC[AES256_GCM,data:3q2+7w==,iv:AAECAwQFBgcICQoLDA0ODw==,tag:EBESExQVFhcYGRobHB0eHw==,type:str]';
const ENC2 = 'ENC[AES256_GCM,data:AAAA,iv:AAECAwQFBgcICQoLDA0ODw==,tag:EBESExQVFhcYGRobHB0eHw==,type:str]';

describe('diffObjects', () => {
  it.each([
    {
      name: 'a changed image, an added label and a removed env var',
      before: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web, uid: a, resourceVersion: "1"}
spec: {template: {spec: {containers: [{name: api, image: "api:1", env: [{name: A, value: "1"}]}]}}}
status: {replicas: 1}
`,
      after: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web, labels: {app.kubernetes.io/name: api}, uid: b}
spec: {template: {spec: {containers: [{name: api, image: "api:2", env: []}]}}}
`,
      expected: [
        {
          path: 'metadata.labels',
          pointer: '/metadata/labels',
          op: 'added',
          after: { 'app.kubernetes.io/name': 'api' },
        },
        {
          path: 'spec.template.spec.containers[0].env[0]',
          pointer: '/spec/template/spec/containers/0/env/0',
          op: 'removed',
          before: { name: 'A', value: '1' },
        },
        {
          path: 'spec.template.spec.containers[0].image',
          pointer: '/spec/template/spec/containers/0/image',
          op: 'changed',
          before: 'api:1',
          after: 'api:2',
        },
      ],
    },
    {
      name: 'Secret data values masked, keys kept',
      before: 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {password: aHVudGVyMg==}\n',
      after:
        'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {password: c2VjcmV0}\nstringData: {token: abc, user: bob}\n',
      expected: [
        { path: 'data.password', pointer: '/data/password', op: 'changed', before: '***', after: '***' },
        { path: 'stringData', pointer: '/stringData', op: 'added', after: { token: '***', user: '***' } },
      ],
    },
    {
      name: 'SOPS values masked in any kind',
      before: `apiVersion: example.com/v1\nkind: Creds\nmetadata: {name: c}\nspec: {key: "${ENC}", plain: a}\nsops: {mac: "${ENC}"}\n`,
      after: `apiVersion: example.com/v1\nkind: Creds\nmetadata: {name: c}\nspec: {key: "${ENC2}", plain: b}\nsops: {mac: "${ENC2}"}\n`,
      expected: [
        { path: 'sops.mac', pointer: '/sops/mac', op: 'changed', before: '***', after: '***' },
        { path: 'spec.key', pointer: '/spec/key', op: 'changed', before: '***', after: '***' },
        { path: 'spec.plain', pointer: '/spec/plain', op: 'changed', before: 'a', after: 'b' },
      ],
    },
    {
      name: 'key order and server fields only: no change',
      before: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, uid: x}\ndata: {a: "1", b: "2"}\n',
      after: 'kind: ConfigMap\napiVersion: v1\ndata: {b: "2", a: "1"}\nmetadata: {name: c}\n',
      expected: [],
    },
  ])('$name', ({ before, after, expected }) => {
    expect(diffObjects({ before: obj(before), after: obj(after) })).toEqual(expected);
  });

  it.each([
    [['spec', 'template', 'spec', 'containers', 0, 'image'], 'spec.template.spec.containers[0].image'],
    [['metadata', 'annotations', 'example.com/x'], 'metadata.annotations["example.com/x"]'],
    [[0, 'a'], '[0].a'],
  ])('formatFieldPath(%j) = %s', (segments, path) => {
    expect(formatFieldPath(segments)).toBe(path);
  });

  it('maskSecrets hides Secret values and encrypted strings', () => {
    expect(
      maskSecrets(
        obj(
          `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {a: YQ==}\nsops: {mac: "${ENC}", version: 3.9.0}\n`,
        ),
      ),
    ).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { a: '***' },
      sops: { mac: '***', version: '3.9.0' },
    });
  });
});

describe('a member SOPS-encrypted in Git, of any kind', () => {
  // A ConfigMap as `sops --encrypt --age ... --encrypted-regex '^data$'` writes it: its labels stay plaintext.
  const sopsConfigMap = (label: string, value: string, lastmodified: string) =>
    obj(`apiVersion: v1
kind: ConfigMap
metadata: {name: app, namespace: shop, labels: {tier: ${label}}}
data: {password: "${value}", mode: "${value}"}
sops:
  age: [{recipient: age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq, enc: "-----BEGIN AGE ENCRYPTED FILE-----\\nabc\\n-----END AGE ENCRYPTED FILE-----\\n"}]
  lastmodified: "${lastmodified}"
  mac: "${ENC}"
  encrypted_regex: ^data$
  version: 3.11.0
`);

  it('shows every changed value as *** between two versions, the paths still visible', () => {
    const d = diffMembers({
      before: [sopsConfigMap('web', ENC, '2026-01-01T00:00:00Z')],
      after: [sopsConfigMap('api', ENC2, '2026-02-01T00:00:00Z')],
    });
    const fields = d.changed[0]!.fields;
    expect(fields.map((f) => f.path)).toEqual([
      'data.mode',
      'data.password',
      'metadata.labels.tier',
      'sops.lastmodified',
    ]);
    for (const f of fields) expect([f.before, f.after]).toEqual(['***', '***']);
  });

  it('masks a decrypted member the caller marks sensitive, map keys kept', () => {
    const plain = (v: string, extra = {}) =>
      ({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'app' },
        data: { password: v, ...extra },
      }) as KubeObject;
    const fields = diffObjects({
      before: plain('hunter2'),
      after: plain('hunter3', { token: 's3cret' }),
      sensitive: true,
    });
    expect(fields).toEqual([
      { path: 'data.password', pointer: '/data/password', op: 'changed', before: '***', after: '***' },
      { path: 'data.token', pointer: '/data/token', op: 'added', after: '***' },
    ]);
    expect(JSON.stringify(diffObjects({ before: plain('a'), after: plain('hunter2') }))).toContain('hunter2');
  });

  it('maskSecrets keeps only the identity of an encrypted member', () => {
    const shown = maskSecrets(sopsConfigMap('web', ENC, '2026-01-01T00:00:00Z'));
    expect(shown.metadata).toEqual({ name: 'app', namespace: 'shop' });
    expect(shown.data).toEqual({ password: '***', mode: '***' });
    expect(JSON.stringify(shown)).not.toContain('web');
  });
});

describe('diffMembers', () => {
  it('lists added, removed, changed and unchanged members', () => {
    const objects = (y: string) => parseAllDocuments(y).map((d) => d.toJS() as KubeObject);
    const d = diffMembers({
      before: objects(
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: "1"}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: gone}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: same}\n',
      ),
      after: objects(
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: same}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: new}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: "2"}\n',
      ),
    });
    expect({
      added: d.added.map(formatRef),
      removed: d.removed.map(formatRef),
      unchanged: d.unchanged.map(formatRef),
      changed: d.changed.map((c) => [
        formatRef(c.ref),
        c.fields.map((f) => `${f.path}: ${String(f.before)} -> ${String(f.after)}`),
      ]),
    }).toEqual({
      added: ['ConfigMap/new'],
      removed: ['ConfigMap/gone'],
      unchanged: ['ConfigMap/same'],
      changed: [['ConfigMap/a', ['data.x: 1 -> 2']]],
    });
  });
});

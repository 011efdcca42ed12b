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

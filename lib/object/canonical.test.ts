import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { canonicalJson, contentDigest, stableStringify } from './canonical.ts';

describe('canonicalJson', () => {
  it.each([
    {
      name: 'sorts keys recursively, no whitespace',
      yaml: `
kind: ConfigMap
apiVersion: v1
metadata: {name: a, namespace: n}
data: {z: "1", a: "2"}
`,
      json: '{"apiVersion":"v1","data":{"a":"2","z":"1"},"kind":"ConfigMap","metadata":{"name":"a","namespace":"n"}}',
    },
    {
      name: 'keeps the document order of a SOPS-encrypted object (its MAC depends on it)',
      yaml: `
kind: Secret
apiVersion: v1
metadata: {name: s, namespace: n}
stringData: {z: "ENC[AES256_GCM,data:x]", a: "ENC[AES256_GCM,data:y]"}
sops: {mac: "ENC[AES256_GCM,data:m]", version: 3.11.0}
`,
      json: '{"kind":"Secret","apiVersion":"v1","metadata":{"name":"s","namespace":"n"},"stringData":{"z":"ENC[AES256_GCM,data:x]","a":"ENC[AES256_GCM,data:y]"},"sops":{"mac":"ENC[AES256_GCM,data:m]","version":"3.11.0"}}',
    },
    {
      name: 'drops status and server-set metadata',
      yaml: `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  uid: 0b9f
  resourceVersion: "42"
  generation: 3
  creationTimestamp: "2024-01-01T00:00:00Z"
  selfLink: /apis/apps/v1/x
  deletionTimestamp: "2024-01-02T00:00:00Z"
  deletionGracePeriodSeconds: 30
  managedFields: [{manager: kubectl}]
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: "{}"
  labels: {}
spec: {replicas: 2}
status: {readyReplicas: 2}
`,
      json: '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"api"},"spec":{"replicas":2}}',
    },
    {
      name: 'keeps other annotations, arrays in order, nulls and numbers',
      yaml: `
apiVersion: v1
kind: Pod
metadata: {name: p, annotations: {b: "1", a: "2", kubectl.kubernetes.io/last-applied-configuration: x}}
spec: {containers: [{name: z}, {name: a}], x: null, n: 1.5}
`,
      json: '{"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{"a":"2","b":"1"},"name":"p"},"spec":{"containers":[{"name":"z"},{"name":"a"}],"n":1.5,"x":null}}',
    },
  ])('$name', ({ yaml, json }) => {
    expect(canonicalJson(parse(yaml) as object)).toBe(json);
  });

  it('does not change its input', () => {
    const obj = { apiVersion: 'v1', kind: 'X', metadata: { name: 'a', uid: 'u', annotations: {} }, status: {} };
    const before = structuredClone(obj);
    canonicalJson(obj);
    expect(obj).toEqual(before);
  });

  it('the digest ignores key order, comments and formatting but not values', () => {
    const a = parse('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: "1", y: "2"}\n') as object;
    const b = parse(
      '# comment\ndata:\n  y: "2"   # another\n  x: "1"\nmetadata:\n  name: a\nkind: ConfigMap\napiVersion: v1\n',
    ) as object;
    const c = parse('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: "1", y: "3"}\n') as object;
    expect(contentDigest(a)).toBe(contentDigest(b));
    expect(contentDigest(a)).not.toBe(contentDigest(c));
    expect(contentDigest(a)).toMatch(/^sha256:[a-f0-9]{64}$/);
  });

  it('stableStringify matches JSON.stringify for scalars and drops undefined members', () => {
    expect(stableStringify({ b: undefined, a: 'é\n"', c: [1, true, null] })).toBe('{"a":"é\\n\\"","c":[1,true,null]}');
  });
});

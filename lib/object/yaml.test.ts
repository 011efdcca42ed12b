import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/errors.ts';
import { formatRef } from './ref.ts';
import { type FileFailure, loadObjects, type YamlFile, type YamlLimits } from './yaml.ts';

function load(files: YamlFile[], limits: Partial<YamlLimits> = {}) {
  return loadObjects({ files, limits });
}

function errorOf(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return err as InvalidInputError;
  }
  throw new Error('expected an error');
}

describe('loadObjects', () => {
  it.each([
    {
      name: 'multi-document file with an empty document and comments',
      text: `
# leading comment
apiVersion: v1
kind: ConfigMap
metadata: {name: a, namespace: web}
---
# only a comment
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: web
`,
      expected: [
        { ref: 'ConfigMap/web/a', index: 0, line: 3 },
        { ref: 'Deployment/web/api', index: 2, line: 9 },
      ],
    },
    {
      name: 'kind List is expanded',
      text: `
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Service, metadata: {name: s, namespace: n}}
- {apiVersion: v1, kind: Namespace, metadata: {name: n}}
`,
      expected: [
        { ref: 'Service/n/s', index: 0, line: 2, item: 0 },
        { ref: 'Namespace/n', index: 0, line: 2, item: 1 },
      ],
    },
    {
      name: 'merge keys and anchors within limits',
      text: `
apiVersion: v1
kind: ConfigMap
metadata: {name: m, namespace: n, labels: &l {app: x}}
data:
  <<: {a: "1"}
  b: "2"
---
apiVersion: v1
kind: ConfigMap
metadata: {name: m2, namespace: n, labels: &k {app: y}, annotations: *k}
`,
      expected: [
        { ref: 'ConfigMap/n/m', index: 0, line: 2 },
        { ref: 'ConfigMap/n/m2', index: 1, line: 9 },
      ],
    },
    { name: 'empty file', text: '', expected: [] },
    { name: 'explicit null document', text: '~\n', expected: [] },
  ])('$name', ({ text, expected }) => {
    const got = load([{ path: 'f.yaml', text }]).map((o) => ({
      ref: formatRef(o.ref),
      index: o.index,
      line: o.line,
      ...(o.item === undefined ? {} : { item: o.item }),
    }));
    expect(got).toEqual(expected);
  });

  it('keeps values: merge keys resolved, namespace null dropped', () => {
    const [cm] = load([
      {
        path: 'f.yaml',
        text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m, namespace: null}\ndata: {<<: {a: "1"}, b: "2"}\n',
      },
    ]);
    expect(cm!.object).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'm' },
      data: { a: '1', b: '2' },
    });
  });

  it('refuses an alias to an anchor in another document', () => {
    const err = errorOf(() =>
      load([
        {
          path: 'x.yaml',
          text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: &l {a: b}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, labels: *l}\n',
        },
      ]),
    );
    expect(err.message).toMatch(/^x\.yaml:5:1: document 1: Unresolved alias/);
  });

  it.each([
    {
      name: 'malformed YAML names file and line',
      text: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [a\n  b: }\n',
      message: /^bad\.yaml:\d+:\d+: malformed YAML/,
      reason: 'malformed',
      line: true,
    },
    {
      name: 'duplicate keys',
      text: 'apiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata: {name: a}\n',
      message: /^bad\.yaml:3:1: malformed YAML: Map keys must be unique/,
      reason: 'malformed',
      line: true,
    },
    {
      name: 'a list document',
      text: '- a\n- b\n',
      message: /^bad\.yaml:1:1: document 0 is not a Kubernetes object \(a mapping\), it is a list/,
      reason: 'not-an-object',
      line: true,
    },
    {
      name: 'a scalar document',
      text: 'hello\n',
      message: /document 0 is not a Kubernetes object/,
      reason: 'not-an-object',
      line: true,
    },
    {
      name: 'missing apiVersion',
      text: 'kind: ConfigMap\nmetadata: {name: a}\n',
      message: /^bad\.yaml:1:1: document 0 has no apiVersion/,
      reason: 'missing-field',
      line: true,
    },
    {
      name: 'missing kind',
      text: '---\n---\napiVersion: v1\nmetadata: {name: a}\n',
      message: /^bad\.yaml:3:1: document 1 has no kind/,
      reason: 'missing-field',
      line: true,
    },
    {
      name: 'missing metadata',
      text: 'apiVersion: v1\nkind: ConfigMap\n',
      message: /has no metadata$/,
      reason: 'missing-field',
      line: true,
    },
    {
      name: 'missing name',
      text: 'apiVersion: v1\nkind: Pod\nmetadata: {generateName: x-}\n',
      message: /has no metadata\.name \(generateName is not supported/,
      reason: 'missing-field',
      line: true,
    },
    {
      name: 'namespace not a string',
      text: 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: [a]}\n',
      message: /metadata\.namespace that is not a string/,
      reason: 'invalid-field',
      line: true,
    },
    {
      name: 'SOPS-encrypted identity',
      text: 'apiVersion: ENC[AES256_GCM,data:x]\nkind: ENC[AES256_GCM,data:y]\nmetadata: {name: s}\nsops: {}\n',
      message: /encrypted_regex/,
      reason: 'encrypted-identity',
      line: true,
    },
  ])('refuses $name', ({ text, message, reason, line }) => {
    const err = errorOf(() => load([{ path: 'bad.yaml', text }]));
    expect(err.message).toMatch(message);
    expect(err.data.file).toBe('bad.yaml');
    expect(err.data.reason).toBe(reason);
    if (line) expect(err.data.line).toEqual(expect.any(Number));
  });

  it('refuses duplicate objects naming both files', () => {
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: web}\n';
    const err = errorOf(() =>
      load([
        { path: 'one.yaml', text: cm },
        { path: 'two.yaml', text: `---\n${cm}` },
      ]),
    );
    expect(err.message).toBe('duplicate object ConfigMap/web/a: defined in one.yaml:1 and two.yaml:2');
    expect(err.data.files).toEqual(['one.yaml', 'two.yaml']);
  });

  it('allows the same name in different groups', () => {
    const text =
      'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a, namespace: n}\n---\napiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: a, namespace: n}\n';
    expect(load([{ path: 'f.yaml', text }])).toHaveLength(2);
  });

  it('fails fast on a billion-laughs alias bomb', () => {
    const text = `
apiVersion: v1
kind: ConfigMap
metadata: {name: lol}
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`;
    const started = performance.now();
    const err = errorOf(() => load([{ path: 'bomb.yaml', text }]));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(err.message).toMatch(/^bomb\.yaml:2:1: document 0 expands aliases beyond the limit of 100 \(alias bomb\?\)/);
    expect(err.data.reason).toBe('alias-limit');
  });

  it.each([
    {
      name: 'deep flow nesting',
      text: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\nx: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`,
    },
    {
      name: 'deep block nesting',
      text: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n${Array.from({ length: 150 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')} 1\n`,
    },
  ])('refuses $name without overflowing the stack', ({ text }) => {
    const err = errorOf(() => load([{ path: 'deep.yaml', text }]));
    expect(err.message).toMatch(/^deep\.yaml:\d+:\d+: nesting deeper than 100 levels/);
    expect(err.data.reason).toBe('too-deep');
  });

  it.each([
    {
      name: 'file size',
      limits: { maxFileBytes: 10 },
      files: [{ path: 'big.yaml', text: 'x'.repeat(11) }],
      reason: 'file-too-large',
      file: 'big.yaml',
    },
    {
      name: 'total size',
      limits: { maxTotalBytes: 15 },
      files: [
        { path: 'a.yaml', text: '# 0123456789' },
        { path: 'b.yaml', text: '# 0123456789' },
      ],
      reason: 'total-too-large',
      file: 'b.yaml',
    },
    {
      name: 'document count',
      limits: { maxDocuments: 2 },
      files: [{ path: 'a.yaml', text: '---\n---\n---\n' }],
      reason: 'too-many-documents',
      file: 'a.yaml',
    },
  ])('enforces the $name limit', ({ limits, files, reason, file }) => {
    const err = errorOf(() => load(files, limits));
    expect(err.data).toMatchObject({ reason, file });
  });

  it('with onFileError, skips a broken file and loads the rest; whole-input limits still throw', () => {
    const failures: FileFailure[] = [];
    const good = { path: 'good.yaml', text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n' };
    const files = [
      { path: 'bad.yaml', text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n' },
      { path: 'big.yaml', text: `# ${'x'.repeat(100)}` },
      good,
    ];
    const loaded = loadObjects({ files, limits: { maxFileBytes: 80 }, onFileError: (f) => failures.push(f) });
    expect(loaded.map((o) => `${o.file} ${o.ref.name}`)).toEqual(['good.yaml a']);
    expect(failures.map((f) => [f.file, f.error.data.reason, f.line])).toEqual([
      ['bad.yaml', 'malformed', 4],
      ['big.yaml', 'file-too-large', undefined],
    ]);
    // A file repeating an object of an earlier one is left out whole and reported, naming both.
    const dup: FileFailure[] = [];
    expect(
      loadObjects({ files: [good, { ...good, path: 'copy.yaml' }], onFileError: (f) => dup.push(f) }).map(
        (o) => o.file,
      ),
    ).toEqual(['good.yaml']);
    expect(dup.map((f) => [f.file, f.error.message])).toEqual([
      ['copy.yaml', 'duplicate object ConfigMap/a: defined in good.yaml:1 and copy.yaml:1'],
    ]);
    expect(() => loadObjects({ files: [good, good] })).toThrow(/duplicate object ConfigMap\/a/);
    expect(() =>
      loadObjects({
        files: [{ path: 'a.yaml', text: '---\n---\n---\n' }],
        limits: { maxDocuments: 2 },
        onFileError: () => {},
      }),
    ).toThrow(/more than 2 YAML documents/);
  });
});

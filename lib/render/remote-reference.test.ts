import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { kustomizationReferences } from './kustomization.ts';
import { helmRepositoryKind, remoteSpelling } from './remote-reference.ts';

describe('remoteSpelling', () => {
  it.each([
    ['git::https://example.com/org/repo.git//dir?ref=v1', 'forced-getter'],
    ['git::ssh://git@example.com/org/repo.git', 'forced-getter'],
    ['git::http://127.0.0.1:8080/r.git', 'forced-getter'],
    ['github.com/org/repo/path?ref=v1', 'query'],
    ['github.com/org/repo/path', 'known-host'],
    ['GitHub.com/org/repo', 'known-host'],
    ['gitlab.com/group/repo/deploy', 'known-host'],
    ['bitbucket.org/team/repo', 'known-host'],
    ['https://host/x.yaml', 'url'],
    ['HTTPS://host/x.yaml', 'url'],
    ['http://127.0.0.1:8080/x.yaml', 'url'],
    ['ssh://git@127.0.0.1:2222/r.git', 'url'],
    ['git://example.com/r', 'url'],
    ['oci://registry.example/kustomize/base', 'url'],
    ['s3://bucket/base', 'url'],
    ['file:///srv/git/base.git', 'file-url'],
    ['FILE://./x', 'file-url'],
    ['git@github.com:org/repo', 'scp'],
    ['git@127.0.0.1:org/repo.git', 'scp'],
    ['deploy@git.example.com:infra/base', 'scp'],
    ['github.com:org/repo', 'scp'],
    ['gh:org/repo', 'scp'],
    ['base?ref=main', 'query'],
    ['org/repo?version=v1', 'query'],
    ['org/repo?timeout=90s', 'query'],
    ['org/repo?submodules=false', 'query'],
    ['org/repo?x=1&ref=main', 'query'],
    ['example.com/repo.git//path', 'subpath'],
    ['host/org/repo//dir', 'subpath'],
    ['dev.azure.com/org/project/_git/repo', 'subpath'],
    ['org/repo.git', 'git-suffix'],
    ['repo.git/dir', 'git-suffix'],
    ['example.com/org/repo', 'bare-host'],
    ['git.internal.example/org/repo', 'bare-host'],
    ['127.0.0.1:8080/org/repo', 'bare-host'],
    ['localhost:3000/org/repo', 'bare-host'],
    ['intranet:8080/repo', 'bare-host'],
    ['[::1]/org/repo', 'bare-host'],
  ])('%s is remote (%s)', (entry, spelling) => {
    expect(remoteSpelling(entry)).toBe(spelling);
  });

  it.each([
    'base',
    '../base',
    './overlays/prod',
    'deployment.yaml',
    'config.d/app.yaml',
    'crds/v1.2.3/crd.yaml',
    '/etc/passwd',
    '//etc/passwd',
    '../../outside',
    'a=b',
  ])('%s is a path', (entry) => {
    expect(remoteSpelling(entry)).toBeUndefined();
  });
});

describe('helmRepositoryKind', () => {
  it.each([
    ['https://charts.example', 'remote'],
    ['http://charts.example', 'remote'],
    ['oci://registry.example/charts', 'remote'],
    ['@bitnami', 'remote'],
    ['alias:bitnami', 'remote'],
    ['file://../common', 'local'],
    ['', 'none'],
    [undefined, 'none'],
  ])('%s is %s', (repository, kind) => {
    expect(helmRepositoryKind(repository)).toBe(kind);
  });
});

describe('kustomizationReferences', () => {
  const remote = (yaml: string) => kustomizationReferences(parse(yaml)).remote.map((r) => [r.field, r.path]);

  it('finds a remote reference in every field Kustomize loads', () => {
    expect(
      remote(`
resources: [ok.yaml, https://h/r.yaml]
bases: [github.com/o/r]
components: [git@h:o/r]
crds: [https://h/crd.yaml]
configurations: [https://h/cfg.yaml]
patches: [{path: https://h/p.yaml}, {patch: "inline"}]
patchesStrategicMerge: [https://h/psm.yaml, "kind: X\\nmetadata: {}"]
patchesJson6902: [{path: https://h/j.yaml}]
replacements: [{path: https://h/repl.yaml}]
openapi: {path: https://h/schema.json}
configMapGenerator: [{name: a, files: [k=https://h/f], envs: [https://h/e.env], env: https://h/one.env}]
secretGenerator: [{name: s, files: [https://h/s?ref=v]}]
generators: [https://h/gen.yaml, "{apiVersion: v1, kind: X}"]
transformers: [https://h/t.yaml]
validators: [https://h/v.yaml]
helmCharts: [{name: x, repo: https://charts.example}, {name: y, repo: oci://r.example/c}]
`),
    ).toEqual([
      ['resources[1]', 'https://h/r.yaml'],
      ['bases[0]', 'github.com/o/r'],
      ['components[0]', 'git@h:o/r'],
      ['crds[0]', 'https://h/crd.yaml'],
      ['configurations[0]', 'https://h/cfg.yaml'],
      ['patches[0].path', 'https://h/p.yaml'],
      ['patchesJson6902[0].path', 'https://h/j.yaml'],
      ['replacements[0].path', 'https://h/repl.yaml'],
      ['patchesStrategicMerge[0]', 'https://h/psm.yaml'],
      ['openapi.path', 'https://h/schema.json'],
      ['secretGenerator[0].files[0]', 'https://h/s?ref=v'],
      ['configMapGenerator[0].files[0]', 'https://h/f'],
      ['configMapGenerator[0].envs[0]', 'https://h/e.env'],
      ['configMapGenerator[0].env', 'https://h/one.env'],
      ['generators[0]', 'https://h/gen.yaml'],
      ['transformers[0]', 'https://h/t.yaml'],
      ['validators[0]', 'https://h/v.yaml'],
      ['helmCharts[0].repo', 'https://charts.example'],
      ['helmCharts[1].repo', 'oci://r.example/c'],
    ]);
  });

  it('names each local entry by its field and leaves inline documents out', () => {
    const r = kustomizationReferences(
      parse(
        'resources: [../base]\nconfigurations: [cfg.yaml]\ntransformers: [t.yaml, "{apiVersion: v1}"]\nconfigMapGenerator: [{name: a, files: [k=f.txt]}]\n',
      ),
    );
    expect(r.entries).toEqual([
      { field: 'resources[0]', path: '../base' },
      { field: 'configurations[0]', path: 'cfg.yaml' },
      { field: 'configMapGenerator[0].files[0]', path: 'f.txt' },
      { field: 'transformers[0]', path: 't.yaml' },
    ]);
    expect(r.generated).toEqual([{ kind: 'configMapGenerator', name: 'a', path: 'f.txt' }]);
    expect(r.remote).toEqual([]);
  });
});

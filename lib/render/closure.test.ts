import { describe, expect, it } from 'vitest';
import { resolveClosure } from './closure.ts';
import type { RepoFile } from './renderer.ts';

function repo(files: Record<string, string>) {
  const all: RepoFile[] = Object.entries(files).map(([path, text], i) => ({
    path,
    oid: `oid${i}-${text.length}`,
    text,
  }));
  const asked: string[] = [];
  const read = async (dir: string) => {
    asked.push(dir);
    return all.filter((f) => dir === '' || f.path === dir || f.path.startsWith(`${dir}/`));
  };
  return { read, asked };
}

const base = {
  'apps/web/base/kustomization.yaml':
    'resources: [deployment.yaml, service.yaml]\nconfigMapGenerator: [{name: web, files: [config/app.properties]}]\n',
  'apps/web/base/deployment.yaml': 'kind: Deployment',
  'apps/web/base/service.yaml': 'kind: Service',
  'apps/web/base/config/app.properties': 'a=b',
  'apps/web/base/unused.yaml': 'kind: ConfigMap',
  'apps/web/overlays/prod/kustomization.yaml': 'resources: [../../base, pdb.yaml]\npatches: [{path: replicas.yaml}]\n',
  'apps/web/overlays/prod/pdb.yaml': 'kind: PodDisruptionBudget',
  'apps/web/overlays/prod/replicas.yaml': 'kind: Deployment',
  'apps/other/kustomization.yaml': 'resources: []',
};

describe('resolveClosure', () => {
  it('follows the overlay to its base: every file the build reads, nothing else', async () => {
    const c = await resolveClosure({ dir: 'apps/web/overlays/prod', read: repo(base).read });
    expect(c.files.map((f) => f.path)).toEqual([
      'apps/web/base/config/app.properties',
      'apps/web/base/deployment.yaml',
      'apps/web/base/kustomization.yaml',
      'apps/web/base/service.yaml',
      'apps/web/overlays/prod/kustomization.yaml',
      'apps/web/overlays/prod/pdb.yaml',
      'apps/web/overlays/prod/replicas.yaml',
    ]);
    expect(c.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('gives the same key for the same inputs and another when an input changes', async () => {
    const a = await resolveClosure({ dir: 'apps/web/overlays/prod', read: repo(base).read });
    const unrelated = await resolveClosure({
      dir: 'apps/web/overlays/prod',
      read: repo({ ...base, 'apps/other/x.yaml': 'kind: Secret', 'apps/web/base/unused.yaml': 'changed' }).read,
    });
    const changed = await resolveClosure({
      dir: 'apps/web/overlays/prod',
      read: repo({ ...base, 'apps/web/overlays/prod/pdb.yaml': 'kind: PodDisruptionBudget # v2' }).read,
    });
    expect(unrelated.digest).toBe(a.digest);
    expect(changed.digest).not.toBe(a.digest);
  });

  it.each([
    [
      'a remote base',
      { 'k/kustomization.yaml': 'resources: [github.com/acme/base?ref=v1]' },
      /k\/kustomization\.yaml: loads the remote "github\.com\/acme\/base\?ref=v1": renders use the repository at the commit only/,
    ],
    [
      'an https resource',
      { 'k/kustomization.yaml': 'resources: [https://example.com/x.yaml]' },
      /loads the remote "https:\/\/example\.com\/x\.yaml"/,
    ],
    [
      'a path leaving the repository',
      { 'k/kustomization.yaml': 'resources: [../../outside]' },
      /k\/kustomization\.yaml: "\.\.\/\.\.\/outside" leaves the repository/,
    ],
    [
      'an absolute path',
      { 'k/kustomization.yaml': 'resources: [/etc/passwd]' },
      /"\/etc\/passwd" leaves the repository/,
    ],
    [
      'a missing file',
      { 'k/kustomization.yaml': 'resources: [nope.yaml]' },
      /"nope\.yaml" is neither a file nor a directory of the repository/,
    ],
    [
      'a directory without a kustomization',
      { 'k/kustomization.yaml': 'resources: [../plain]', 'plain/x.yaml': 'kind: ConfigMap' },
      /no kustomization .* in plain/,
    ],
    [
      'a secretGenerator over a SOPS file',
      {
        'k/kustomization.yaml': 'secretGenerator: [{name: creds, envs: [creds.env]}]',
        'k/creds.env': 'PASSWORD=ENC[AES256_GCM,data:abc,type:str]\nsops_version=3.11.0\n',
      },
      /secretGenerator creds reads k\/creds\.env, which is SOPS-encrypted/,
    ],
    ['a Helm chart inside Kustomize', { 'k/kustomization.yaml': 'helmCharts: [{name: x}]' }, /inflates Helm charts/],
  ])('refuses %s, naming the kustomization', async (_name, files, message) => {
    await expect(resolveClosure({ dir: 'k', read: repo(files).read })).rejects.toThrow(message);
  });

  it('lets a bundle that allows remote bases name them, and keys on them', async () => {
    const c = await resolveClosure({
      dir: 'k',
      read: repo({ 'k/kustomization.yaml': 'resources: [github.com/acme/base?ref=v1]' }).read,
      allowRemote: true,
    });
    expect(c.remote).toEqual(['github.com/acme/base?ref=v1']);
  });

  it('asks for each directory once', async () => {
    const r = repo(base);
    await resolveClosure({ dir: 'apps/web/overlays/prod', read: r.read });
    expect(r.asked.length).toBe(new Set(r.asked).size);
  });
});

// Release correctness through the real CLI, Git server, registry and a real
// cluster: a bundle that keeps its own Namespace in Git (via include)
// deploys to a cluster that does not have it; a malformed file under one
// bundle's spec.paths blocks only that bundle's cut; a bundle whose Bundle
// document left Git is reported by `cut` and keeps running; `drover retire`
// asks first, then removes exactly its inventory (a foreign ConfigMap in the
// same namespace survives), journaled; and prune.protected, written in the
// Bundle document, travels in the version to the retire that deletes the
// Namespace.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createRepo, git } from '../../fixtures/testenv/git-server.ts';
import { createNamespace, kubectlOn, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';

const execFileP = promisify(execFile);
const env = testEnv();
const c1 = env.clusters[0]!;
const cli = join(import.meta.dirname, '..', '..', 'cmd', 'drover.ts');
const scratch = mkdtempSync(join(tmpdir(), 'drover-retire-'));
// Bundle names are cluster-wide (drover-system/inventory-<bundle>): unique per run.
const pay = uniqueName('pay');
const cart = uniqueName('cart');
const payNs = uniqueName('payments');
const shopNs = uniqueName('shop');
let work: string;
let ws: string;
let drop: () => Promise<void>;

const doc = (o: unknown) => stringify(o);
function deployment(name: string, namespace: string, config: string) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name,
              image: `registry.invalid/${name}:1`,
              envFrom: [{ configMapRef: { name: config } }],
              readinessProbe: { httpGet: { path: '/', port: 80 } },
              resources: { requests: { cpu: '10m', memory: '16Mi' } },
            },
          ],
        },
      },
    },
  };
}

function write(path: string, text: string) {
  mkdirSync(join(work, path, '..'), { recursive: true });
  writeFileSync(join(work, path), text);
}

async function commit(message: string) {
  await git(work, ['add', '-A']);
  await git(work, ['commit', '--quiet', '-m', message]);
  await git(work, ['push', '--quiet', 'origin', 'HEAD:main']);
}

async function drover(args: string[], { json = true } = {}) {
  try {
    const r = await execFileP(process.execPath, [cli, ...args, ...(json ? ['--output', 'json'] : [])], { cwd: ws });
    return { code: 0, stdout: r.stdout, stderr: r.stderr, json: json ? JSON.parse(r.stdout) : undefined };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return {
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
      json: json && e.stdout ? JSON.parse(e.stdout) : undefined,
    };
  }
}

const k = (args: string[]) => kubectlOn(env, c1, args);
const names = async (kind: string, ns: string) =>
  (await k(['get', kind, '-n', ns, '-o', 'jsonpath={.items[*].metadata.name}']))
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .sort();
const exists = async (args: string[]) => (await k(['get', ...args, '--ignore-not-found', '-o', 'name'])).trim() !== '';

beforeAll(async () => {
  drop = await createNamespace(env, shopNs, [c1]);
  await k(['create', 'configmap', 'foreign', '-n', shopNs, '--from-literal=owner=someone-else']);
  const seed = join(scratch, 'seed');
  mkdirSync(seed);
  writeFileSync(join(seed, 'README.md'), 'apps\n');
  const url = await createRepo(env.git, { name: uniqueName('retire'), fixtureDir: seed });
  work = join(scratch, 'work');
  await git(scratch, ['clone', '--quiet', url, work]);
  write(
    'pay/bundle.yaml',
    doc({
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Bundle',
      metadata: { name: pay },
      spec: {
        namespace: payNs,
        paths: ['pay/'],
        roots: [{ kind: 'Deployment', name: 'pay' }],
        include: [{ kind: 'Namespace', name: payNs }],
        prune: { protected: true },
      },
    }),
  );
  write(
    'pay/app.yaml',
    [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: payNs } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pay' }, data: { MODE: 'live' } },
      deployment('pay', payNs, 'pay'),
    ]
      .map(doc)
      .join('---\n'),
  );
  write(
    'cart/bundle.yaml',
    doc({
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Bundle',
      metadata: { name: cart },
      spec: { namespace: shopNs, paths: ['cart/**'], roots: [{ kind: 'Deployment', name: 'cart' }] },
    }),
  );
  write(
    'cart/app.yaml',
    [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cart' }, data: { SIZE: '1' } },
      deployment('cart', shopNs, 'cart'),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'cart' },
        spec: { selector: { app: 'cart' }, ports: [{ port: 80 }] },
      },
    ]
      .map(doc)
      .join('---\n'),
  );
  await commit('two bundles');
  ws = mkdtempSync(join(scratch, 'ws-'));
  writeFileSync(
    join(ws, 'drover.yaml'),
    stringify({
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Config',
      sources: [{ name: 'apps', url }],
      registry: `oci://${env.registry.host}/${uniqueName('retire')}`,
      kubeconfig: env.kubeconfig,
      clusters: [{ name: 'c1', context: c1.context }],
      environments: [{ name: 'dev', clusters: ['c1'], timeoutSeconds: 120 }],
    }),
  );
});
afterAll(async () => {
  await k(['delete', 'namespace', payNs, '--ignore-not-found', '--wait=false']).catch(() => {});
  await drop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('bundles that bring their Namespace, break, and leave Git', () => {
  it('deploys a bundle whose own Namespace the cluster does not have yet', async () => {
    expect(await exists(['namespace', payNs])).toBe(false);
    const cut = await drover(['cut']);
    expect(cut.code).toBe(0);
    expect(cut.json.cut.map((c: { bundle: string }) => c.bundle).sort()).toEqual([cart, pay].sort());
    const shown = await drover(['show', `${pay}@1.0.0`]);
    expect(shown.json.config.policy).toEqual({
      recreateOnImmutableChange: false,
      prune: { enabled: true, protected: true, propagationPolicy: 'Background' },
    });
    for (const b of [pay, cart]) expect((await drover(['deploy', `${b}@1.0.0`, '--env', 'dev'])).code).toBe(0);
    expect(
      (await k(['get', 'deployment', 'pay', '-n', payNs, '-o', 'jsonpath={.status.availableReplicas}'])).trim(),
    ).toBe('1');
  });

  it("a malformed file under one bundle's paths blocks only that bundle", async () => {
    write('pay/broken.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: broken\n');
    write(
      'pay/app.yaml',
      [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: payNs } },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pay' }, data: { MODE: 'test' } },
        deployment('pay', payNs, 'pay'),
      ]
        .map(doc)
        .join('---\n'),
    );
    write(
      'cart/app.yaml',
      [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cart' }, data: { SIZE: '2' } },
        deployment('cart', shopNs, 'cart'),
      ]
        .map(doc)
        .join('---\n'),
    );
    await commit('break pay, change cart');
    const cut = await drover(['cut'], { json: false });
    expect(cut.code).toBe(3);
    expect(cut.stdout).toMatch(
      new RegExp(
        `^${cart}\\s+1\\.0\\.1\\s+1\\.0\\.0\\s+sha256:\\S+\\s+ConfigMap/${shopNs}/cart, Service/${shopNs}/cart \\(removed\\)$`,
        'm',
      ),
    );
    expect(cut.stdout).toMatch(
      new RegExp(
        `^error: pay/broken\\.yaml:4:\\d+: malformed YAML.*; not cut: ${pay} \\(whose spec\\.paths include it\\)$`,
        'm',
      ),
    );
    expect((await drover(['versions', pay])).json.map((v: { version: string }) => v.version)).toEqual(['1.0.0']);
    expect(
      (await drover(['show', `${cart}@1.0.1`])).json.config.members.map((m: { kind: string }) => m.kind).sort(),
    ).toEqual(['ConfigMap', 'Deployment']);
  });

  it('says when a bundle left Git; its objects stay until retire removes exactly its inventory', async () => {
    rmSync(join(work, 'pay', 'broken.yaml'));
    rmSync(join(work, 'cart', 'bundle.yaml'));
    await commit('cart leaves');
    const cut = await drover(['cut'], { json: false });
    expect(cut.code).toBe(0);
    expect(cut.stdout).toContain(`warning: bundle ${cart} left source apps at `);
    expect(cut.stdout).toContain(
      `its clusters keep what they run and nothing new is cut or deployed; drover retire ${cart} removes it (newest version 1.0.1)`,
    );
    const again = await drover(['cut']);
    expect(again.json.left).toEqual([expect.objectContaining({ bundle: cart, source: 'apps', lastVersion: '1.0.1' })]);
    expect(await names('deployment', shopNs)).toEqual(['cart']);

    // Without --yes and without a terminal to ask on, nothing is deleted.
    const refused = await drover(['retire', cart, '--env', 'dev']);
    expect(refused.code).toBe(2);
    expect(refused.json.error.message).toMatch(/pass --yes/);
    expect(await names('deployment', shopNs)).toEqual(['cart']);
    // A bundle still in Git is refused without --force.
    const inGit = await drover(['retire', pay, '--env', 'dev', '--yes']);
    expect(inGit.code).toBe(5);
    expect(inGit.json.error.message).toContain(`bundle ${pay} is still declared in source apps`);

    const retired = await drover(['retire', cart, '--env', 'dev', '--yes']);
    expect(retired.code).toBe(0);
    // c1 runs 1.0.0 (1.0.1 was cut, never deployed): its inventory has the Service 1.0.1 dropped.
    expect(retired.json.clusters).toEqual([
      expect.objectContaining({
        cluster: 'c1',
        state: 'retired',
        running: expect.objectContaining({ version: '1.0.0' }),
      }),
    ]);
    expect(retired.json.clusters[0].delete.sort()).toEqual(
      [`ConfigMap/${shopNs}/cart`, `Deployment/${shopNs}/cart`, `Service/${shopNs}/cart`].sort(),
    );
    expect(await names('service', shopNs)).toEqual([]);
    expect(await names('deployment', shopNs)).toEqual([]);
    expect(await names('configmap', shopNs)).toEqual(expect.arrayContaining(['foreign']));
    expect(await names('configmap', shopNs)).not.toContain('cart');
    expect(await exists(['configmap', `inventory-${cart}`, '-n', 'drover-system'])).toBe(false);
    const history = await drover(['history', cart]);
    expect(history.json[0]).toMatchObject({ kind: 'retire', state: 'succeeded', version: '1.0.0' });
    const status = await drover(['status']);
    expect(status.json.find((r: { bundle: string }) => r.bundle === cart)).toMatchObject({
      running: null,
      last: { state: 'succeeded' },
    });
    // Retired everywhere it ran: cut has nothing more to say of it; the registry keeps its versions.
    expect((await drover(['cut'])).json.left).toEqual([]);
    expect((await drover(['versions', cart])).json.map((v: { version: string }) => v.version)).toEqual([
      '1.0.1',
      '1.0.0',
    ]);
  });

  it('retires a bundle with prune.protected, its own Namespace included', async () => {
    const r = await drover(['retire', pay, '--env', 'dev', '--yes', '--force']);
    expect(r.code).toBe(0);
    expect(r.json.clusters[0].delete).toContain(`Namespace/${payNs}`);
    expect(r.json.clusters[0].keep).toEqual([]);
    for (let i = 0; i < 120 && (await exists(['namespace', payNs])); i++)
      await new Promise((res) => setTimeout(res, 500));
    expect(await exists(['namespace', payNs])).toBe(false);
  });
});

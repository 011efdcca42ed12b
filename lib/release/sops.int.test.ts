// A SOPS-encrypted Secret (made by the real sops CLI for an age recipient)
// reaches the cluster decrypted, and its canary value appears nowhere in
// Drover's events, journal, database file or temp files.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { createNamespace, testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { type Cluster, closeCluster, connectCluster } from '../cluster/cluster.ts';
import { getObject } from '../cluster/get.ts';
import type { KubeObject } from '../object/ref.ts';
import { decryptSopsObject } from '../sops/decrypt.ts';
import { isSopsEncrypted } from '../sops/detect.ts';
import { openState } from '../state/open.ts';
import { releaseToCluster } from './release.ts';
import type { VersionContent } from '../bundle/version-content.ts';

const env = testEnv();
const ns = uniqueName('sops');
const dir = mkdtempSync(join(tmpdir(), 'drover-sops-'));
const canary = `canary-${uniqueName('pw')}`;
let cluster: Cluster;
let drop: () => Promise<void>;

function sopsBin(): string {
  const candidates = [
    join(homedir(), 'go', 'bin', 'sops'),
    ...(process.env.PATH ?? '').split(':').map((p) => join(p, 'sops')),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found)
    throw new Error('sops CLI not found: run bash .ci/setup (go install github.com/getsops/sops/v3/cmd/sops@v3.11.0)');
  return found;
}

beforeAll(async () => {
  drop = await createNamespace(env, ns, [env.clusters[0]!]);
  cluster = await connectCluster({ name: 'c1', kubeconfig: env.kubeconfig, context: 'c1' });
});
afterAll(async () => {
  closeCluster(cluster);
  await drop();
  rmSync(dir, { recursive: true, force: true });
});

function filesContaining(root: string, needle: string): string[] {
  const hits: string[] = [];
  for (const name of readdirSync(root)) {
    const p = join(root, name);
    if (statSync(p).isDirectory()) hits.push(...filesContaining(p, needle));
    else if (readFileSync(p).includes(needle)) hits.push(p);
  }
  return hits;
}

describe('SOPS Secrets', () => {
  it('are decrypted only in memory at apply time', async () => {
    const identity = await generateX25519Identity();
    const plain = join(dir, 'secret.yaml');
    writeFileSync(
      plain,
      stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'db', namespace: ns },
        type: 'Opaque',
        stringData: { password: canary },
      }),
    );
    const encrypted = execFileSync(
      sopsBin(),
      [
        '--encrypt',
        '--age',
        await identityToRecipient(identity),
        '--encrypted-regex',
        '^(data|stringData)$',
        '--input-type',
        'yaml',
        '--output-type',
        'yaml',
        plain,
      ],
      { encoding: 'utf8' },
    );
    rmSync(plain);
    expect(encrypted).not.toContain(canary);
    const member = parse(encrypted) as KubeObject;

    const content: VersionContent = {
      bundle: uniqueName('sec'),
      version: '1.0.0',
      digest: `sha256:${'e'.repeat(64)}`,
      members: [member],
    };
    const events: string[] = [];
    const dbPath = join(dir, 'state.db');
    const db = openState({ path: dbPath });
    const r = await releaseToCluster({
      db,
      cluster,
      target: content,
      loadVersion: async () => content,
      prepare: (o) =>
        isSopsEncrypted(o) ? decryptSopsObject({ object: o, identities: [identity] }) : Promise.resolve(o),
      onEvent: (e) => events.push(JSON.stringify(e)),
    });
    expect(r.release.state).toBe('succeeded');
    db.close();

    const live = await getObject(cluster, { apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'db' });
    expect(Buffer.from((live?.data as { password: string }).password, 'base64').toString()).toBe(canary);
    expect(live?.sops).toBeUndefined();

    expect(events.join('\n')).not.toContain(canary);
    expect(filesContaining(dir, canary)).toEqual([]);
    // The inventory in the cluster names members, never their content.
    const inv = await getObject(cluster, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'drover-system',
      name: `inventory-${content.bundle}`,
    });
    expect(JSON.stringify(inv)).not.toContain(canary);
  });
});

// What the hub believes of agent statuses and of the index it re-writes, on
// the on-disk layout registry (real files, no process): signed by the
// cluster's agentKey, in sequence across a restart, not from the future,
// Stale after three polls; a forged index's retire list never re-published.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/config.ts';
import { readAgentIndex, writeAgentIndex, writeStatus } from '../oci/index.ts';
import type { AgentStatus } from '../protocol/agent-protocol.ts';
import { generateKeyPair } from '../signature/generate-key-pair.ts';
import { parsePublicKey } from '../signature/public-key.ts';
import { keySigner } from '../signature/signer.ts';
import { openWorkspaceWith, type Workspace } from '../workspace/workspace.ts';
import { listInIndex } from './agent-clusters.ts';
import { readAgentReport } from './agent-status.ts';

const dir = mkdtempSync(join(tmpdir(), 'drover-agent-status-'));
const open: Workspace[] = [];
afterAll(() => {
  for (const ws of open) ws.close();
  rmSync(dir, { recursive: true, force: true });
});
const hub = generateKeyPair();
const agent = generateKeyPair();
const stranger = generateKeyPair();
writeFileSync(join(dir, 'hub.key'), hub.privateKeyPem, { mode: 0o600 });
writeFileSync(join(dir, 'agent-c3.pub'), agent.publicKeyPem);
const agentSigner = keySigner({ privateKeyPem: agent.privateKeyPem, name: 'agent' });
const strangerSigner = keySigner({ privateKeyPem: stranger.privateKeyPem, name: 'stranger' });

async function workspace(): Promise<Workspace> {
  const config = resolveConfig({
    doc: {
      apiVersion: 'drover.dev/v1alpha1',
      kind: 'Config',
      sources: [{ name: 'apps', url: './repo' }],
      clusters: [
        { name: 'c3', mode: 'agent', agentKey: 'agent-c3.pub', pollSeconds: 10 },
        { name: 'c4', mode: 'agent' },
      ],
      environments: [{ name: 'edge', clusters: ['c3', 'c4'] }],
      signing: { keyFile: 'hub.key' },
    },
    file: join(dir, 'drover.yaml'),
  });
  const ws = await openWorkspaceWith({ config, env: {} });
  open.push(ws);
  return ws;
}

const T0 = Date.parse('2026-12-08T01:00:00.000Z');
const digest = `sha256:${'a'.repeat(64)}`;
const status = (
  cluster: string,
  sequence: number,
  time = new Date(T0).toISOString(),
): Omit<AgentStatus, 'protocol'> => ({
  sequence,
  bundle: 'web',
  cluster,
  environment: 'edge',
  tag: 'edge',
  desired: digest,
  running: { version: '1.0.0', digest },
  state: 'succeeded',
  health: 'Current',
  failedObject: null,
  reason: null,
  agent: 'drover-agent/test',
  time,
});

describe('readAgentReport', () => {
  it("accepts c3's status only signed with its agentKey, in sequence (across a restart), not from the future", async () => {
    let ws = await workspace();
    const read = (nowMs = T0) => readAgentReport({ ws, bundle: 'web', cluster: 'c3', nowMs });
    expect(await read()).toEqual({ kind: 'none' });
    await writeStatus({ stores: ws.stores, status: status('c3', 100) });
    expect(await read()).toMatchObject({ kind: 'refused', reason: 'unsigned' });
    await writeStatus({ stores: ws.stores, status: status('c3', 100), signer: strangerSigner });
    expect(await read()).toMatchObject({ kind: 'refused', reason: 'untrusted-key' });
    await writeStatus({ stores: ws.stores, status: status('c3', 100), signer: agentSigner });
    expect(await read()).toMatchObject({
      kind: 'status',
      keyId: parsePublicKey({ pem: agent.publicKeyPem, name: 'a' }).keyId,
      stale: false,
      status: { state: 'succeeded', sequence: 100 },
    });
    await writeStatus({ stores: ws.stores, status: status('c3', 200), signer: agentSigner });
    expect(await read()).toMatchObject({ kind: 'status', status: { sequence: 200 } });
    // The hub restarts: what it accepted is in its state database.
    ws.close();
    ws = await workspace();
    await writeStatus({ stores: ws.stores, status: status('c3', 100), signer: agentSigner });
    const replay = await read();
    expect(replay).toMatchObject({ kind: 'refused', reason: 'replayed' });
    const nextYear = new Date(T0 + 365 * 86_400_000).toISOString();
    await writeStatus({ stores: ws.stores, status: status('c3', 300, nextYear), signer: agentSigner });
    expect(await read()).toMatchObject({ kind: 'refused', reason: 'future' });
  });

  it('is Stale after three of the cluster poll intervals, and accepts an unsigned status of a cluster with no agentKey', async () => {
    const ws = await workspace();
    await writeStatus({ stores: ws.stores, status: status('c3', 500), signer: agentSigner });
    const at = (nowMs: number) => readAgentReport({ ws, bundle: 'web', cluster: 'c3', nowMs });
    expect(await at(T0 + 30_000)).toMatchObject({ kind: 'status', stale: false, staleMessage: null });
    const stale = await at(T0 + 30_001);
    expect(stale).toMatchObject({ kind: 'status', stale: true });
    expect(stale.kind === 'status' && stale.staleMessage).toMatch(
      /^c3 is Stale: .* more than 3 poll intervals \(3 × 10 s\) ago$/,
    );
    await writeStatus({ stores: ws.stores, status: status('c4', 1) });
    expect(await readAgentReport({ ws, bundle: 'web', cluster: 'c4', nowMs: T0 })).toMatchObject({
      kind: 'status',
      keyId: null,
    });
  });
});

describe('listInIndex', () => {
  it('signs the index; one it cannot verify is not carried over: its retire list dropped, its bundles not trusted', async () => {
    const ws = await workspace();
    const e = ws.config.environments[0]!;
    const hubKey = parsePublicKey({ pem: hub.publicKeyPem, name: 'hub' });
    await listInIndex({ ws, environment: e, bundle: 'web', listed: true });
    const first = await readAgentIndex({ stores: ws.stores, environment: 'edge', trustedKeys: [hubKey] });
    expect(first).toMatchObject({ keyId: hubKey.keyId, document: { bundles: ['web'], retire: [] } });
    await writeAgentIndex({
      stores: ws.stores,
      index: {
        sequence: Date.now() + 10_000_000,
        environment: 'edge',
        bundles: ['evil'],
        retire: ['web', 'api'],
        clusters: {},
        selfHeal: {},
      },
      signer: strangerSigner,
    });
    const events: string[] = [];
    await listInIndex({ ws, environment: e, bundle: 'api', listed: true, onEvent: (ev) => events.push(ev.message) });
    const after = await readAgentIndex({ stores: ws.stores, environment: 'edge', trustedKeys: [hubKey] });
    expect(after?.document).toMatchObject({ bundles: ['api'], retire: [] });
    expect(after!.sequence).toBeGreaterThan(first!.sequence);
    expect(after!.sequence).toBeLessThan(Date.now() + 10_000_000);
    expect(events).toEqual([
      expect.stringMatching(
        /^the index of edge in the registry is not trusted \(.*untrusted-key.*\): its retire list is dropped/,
      ),
    ]);
  });
});

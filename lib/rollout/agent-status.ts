/**
 * What the hub believes of an agent cluster's status of one bundle
 * (docs/agent-protocol.md, protocol 2). The status is accepted only when
 * signed with the cluster's `agentKey` (drover.yaml; a cluster without one
 * is not authenticated, as the daemon says at start-up), not dated beyond
 * the clock skew in the future, and not older (by sequence) than the last
 * one accepted for that cluster and bundle, remembered in the state
 * database so a restart re-opens no replay. An accepted status older than
 * three of the cluster's poll intervals is Stale: shown as such, never as
 * Current, and never counted as a report of success by a rollout.
 *
 * @example
 *   const r = await readAgentReport({ ws, bundle: 'web', cluster: 'c3', signal });
 *   if (r.kind === 'status' && !r.stale) ...;   // 'none' | 'refused' | 'status'
 */
import { readKeyFile } from '../config/key-file.ts';
import { DocumentRefusedError, InvalidInputError } from '../errors/errors.ts';
import { readStatus } from '../oci/index.ts';
import type { AgentStatus } from '../protocol/agent-protocol.ts';
import { DEFAULT_SKEW_MS, freshnessRefusal, isStale, STALE_POLLS } from '../protocol/document-freshness.ts';
import type { DocumentRefusal } from '../protocol/document-signature.ts';
import { parsePublicKey, type TrustedKey } from '../signature/public-key.ts';
import { acceptSequence, lastAcceptedSequence, statusSubject } from '../state/accepted-sequences.ts';
import type { Workspace } from '../workspace/workspace.ts';

export type AgentReport =
  | { kind: 'none' }
  | { kind: 'refused'; reason: DocumentRefusal; message: string }
  | {
      kind: 'status';
      status: AgentStatus;
      /** The agent key that verified it; null: the cluster has no `agentKey` (not authenticated). */
      keyId: string | null;
      stale: boolean;
      /** Why it is Stale, when it is. */
      staleMessage: string | null;
    };

/** The cluster's agent key as drover.yaml names it, or none (statuses not authenticated). */
export async function agentKeysOf({
  ws,
  cluster,
  signal,
}: {
  ws: Pick<Workspace, 'config'>;
  cluster: string;
  signal?: AbortSignal | undefined;
}): Promise<TrustedKey[]> {
  const file = ws.config.clusters.find((c) => c.name === cluster)?.agentKey;
  if (!file) return [];
  const pem = await readKeyFile({ path: file, setting: `clusters.${cluster}.agentKey`, signal });
  // node:crypto would derive the public half of a private key: the hub never holds an agent's private key.
  if (/PRIVATE KEY-----/.test(pem))
    throw new InvalidInputError(`clusters.${cluster}.agentKey ${file}: a private key; name the agent's public key`, {
      data: { cluster, path: file },
    });
  return [parsePublicKey({ pem, name: `clusters.${cluster}.agentKey ${file}` })];
}

export async function readAgentReport({
  ws,
  bundle,
  cluster,
  nowMs = Date.now(),
  skewMs = DEFAULT_SKEW_MS,
  signal,
}: {
  ws: Pick<Workspace, 'config' | 'stores' | 'db'>;
  bundle: string;
  cluster: string;
  nowMs?: number;
  skewMs?: number;
  signal?: AbortSignal | undefined;
}): Promise<AgentReport> {
  const trustedKeys = await agentKeysOf({ ws, cluster, signal });
  let read: Awaited<ReturnType<typeof readStatus>>;
  try {
    read = await readStatus({ stores: ws.stores, bundle, cluster, trustedKeys, signal });
  } catch (err) {
    if (err instanceof DocumentRefusedError)
      return { kind: 'refused', reason: err.data.reason as DocumentRefusal, message: err.message };
    throw err;
  }
  if (!read) return { kind: 'none' };
  const status = read.document;
  const subject = statusSubject({ cluster, bundle });
  const refusal = freshnessRefusal({
    sequence: read.sequence,
    lastAccepted: lastAcceptedSequence(ws.db, subject),
    time: status.time,
    nowMs,
    skewMs,
  });
  if (refusal)
    return {
      kind: 'refused',
      reason: refusal.reason,
      message: `status of ${bundle} on ${cluster}: not accepted (${refusal.reason}): ${refusal.detail}`,
    };
  acceptSequence(ws.db, { ...subject, sequence: read.sequence });
  const pollSeconds = ws.config.clusters.find((c) => c.name === cluster)?.pollSeconds ?? 30;
  const stale = isStale({ time: status.time, pollSeconds, nowMs });
  return {
    kind: 'status',
    status,
    keyId: read.keyId,
    stale,
    staleMessage: stale
      ? `${cluster} is Stale: its agent's last status of ${bundle} was written at ${status.time}, more than ${STALE_POLLS} poll intervals (${STALE_POLLS} × ${pollSeconds} s) ago`
      : null,
  };
}

/** The cluster's status of the bundle when the hub accepts it (Stale or not), else undefined (none, or refused). */
export async function readAcceptedStatus(
  args: Parameters<typeof readAgentReport>[0],
): Promise<AgentStatus | undefined> {
  const r = await readAgentReport(args);
  return r.kind === 'status' ? r.status : undefined;
}

/**
 * The agent protocol v2 (docs/agent-protocol.md) as data: repository and tag
 * names, media types, and the two documents hub and agents exchange through
 * the registry (the environment index, the per-cluster status), each carried
 * in the annotations of an OCI image manifest with the empty config, so one
 * manifest GET reads one document and any distribution registry stores it.
 * Protocol 2 signs each document (document-signature.ts: the signature and
 * the signer's key id ride in two more annotations) and numbers it with a
 * `sequence` (document-freshness.ts). Pure: bytes in, bytes out; a document
 * from the registry is untrusted: its protocol is checked first (a protocol
 * 1 document is refused, never read as a downgrade), then its signature
 * against the reader's trusted keys, then every field.
 *
 * @example
 *   const bytes = await encodeStatus({ status, signer });   // the manifest to PUT at drover.status/<cluster>:<bundle>
 *   const { document, keyId } = decodeStatus(bytes, { bundle: 'web', cluster: 'c3', trustedKeys });
 */
import { DocumentRefusedError, InvalidInputError } from '../errors/errors.ts';
import { sha256 } from '../object/canonical.ts';
import type { TrustedKey } from '../signature/public-key.ts';
import type { Signer } from '../signature/signer.ts';
import { judgeDocumentSignature, KEY_ANNOTATION, SIGNATURE_ANNOTATION, signDocument } from './document-signature.ts';

export const PROTOCOL = 2;
export const INDEX_REPOSITORY = 'drover.index';
export const STATUS_REPOSITORY_PREFIX = 'drover.status';
export const INDEX_ARTIFACT_TYPE = 'application/vnd.drover.index.v1';
export const STATUS_ARTIFACT_TYPE = 'application/vnd.drover.status.v1';
export const INDEX_ANNOTATION = 'drover.dev/index';
export const STATUS_ANNOTATION = 'drover.dev/status';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const EMPTY_TYPE = 'application/vnd.oci.empty.v1+json';
/** The empty JSON object `{}`, the config and only layer of every protocol document. */
export const EMPTY_BLOB = new TextEncoder().encode('{}');
export const EMPTY_DIGEST = sha256(EMPTY_BLOB);

/** The repository an agent writes its statuses to: one per cluster, so registry permissions can scope each agent to its own. */
export const statusRepository = (cluster: string): string => `${STATUS_REPOSITORY_PREFIX}/${cluster}`;

/** The tag wave `k` (from 1) of an environment follows; an environment without waves uses `<env>`. */
export const waveTag = (environment: string, wave: number): string => `${environment}.w${wave}`;

export interface EnvironmentIndex {
  protocol: number;
  /** Grows with every index the hub writes (document-freshness.ts); a reader refuses a lower one than it accepted. */
  sequence: number;
  environment: string;
  bundles: string[];
  /** Bundles to remove from the environment's agent clusters (drover retire); never also in `bundles`. */
  retire: string[];
  /** Per agent cluster: the tag it follows (default: the environment's). */
  clusters: Record<string, { tag: string }>;
  /**
   * Per listed bundle: its drift policy (drover.yaml's `selfHeal` for it).
   * A bundle absent here, or a value this reader does not know, is `report`:
   * an agent never heals unless told to.
   */
  selfHeal: Record<string, SelfHealPolicy>;
}

/** What an agent does about drift of a bundle it runs: nothing, report it, or heal it (as drover.yaml's `selfHeal`). */
export type SelfHealPolicy = 'off' | 'report' | 'heal';
export const SELF_HEAL_POLICIES: readonly SelfHealPolicy[] = ['off', 'report', 'heal'];

/** What an agent has seen of drift of one bundle on its cluster, in its status. */
export interface AgentDrift {
  policy: SelfHealPolicy;
  /** Members that differ from what was applied, now. */
  open: number;
  /** Heals run since the agent started. */
  heals: number;
  /** The last heal: `healed`, `failed` or `skipped`, its message and when it ended. */
  lastHeal: { outcome: string; message: string | null; time: string } | null;
}

export type AgentState = 'succeeded' | 'applying' | 'rolled-back' | 'rollback-failed' | 'refused' | 'error' | 'retired';
export const AGENT_STATES: readonly AgentState[] = [
  'succeeded',
  'applying',
  'rolled-back',
  'rollback-failed',
  'refused',
  'error',
  'retired',
];

export interface AgentStatus {
  protocol: number;
  /** Grows with every status the agent writes (document-freshness.ts); the hub refuses a lower one than it accepted. */
  sequence: number;
  bundle: string;
  cluster: string;
  environment: string;
  tag: string;
  /** The digest the followed tag named when the agent last acted, or null (no tag). */
  desired: string | null;
  /** What the cluster runs whole, from its inventory. */
  running: { version: string; digest: string } | null;
  state: AgentState;
  health: string | null;
  failedObject: string | null;
  reason: string | null;
  /** Drift of the bundle on the cluster (absent: an agent that reports none, or policy `off`). */
  drift?: AgentDrift;
  agent: string;
  time: string;
}

/** A document as read: what it says, the key that verified it (null: the reader trusts no key) and its sequence. */
export interface SignedDocument<T> {
  document: T;
  keyId: string | null;
  sequence: number;
}

async function manifest(
  artifactType: string,
  annotation: string,
  doc: unknown,
  signer: Signer | undefined,
): Promise<Uint8Array> {
  const empty = { mediaType: EMPTY_TYPE, digest: EMPTY_DIGEST, size: EMPTY_BLOB.length };
  const text = JSON.stringify(doc);
  const signed = signer ? await signDocument({ text, signer }) : undefined;
  return new TextEncoder().encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType,
      config: empty,
      layers: [empty],
      annotations: {
        [annotation]: text,
        ...(signed ? { [SIGNATURE_ANNOTATION]: signed.signature, [KEY_ANNOTATION]: signed.keyId } : {}),
      },
    }),
  );
}

function documentOf(
  bytes: Uint8Array,
  {
    artifactType,
    annotation,
    what,
    writer,
    trustedKeys,
  }: { artifactType: string; annotation: string; what: string; writer: string; trustedKeys: readonly TrustedKey[] },
): { d: Record<string, unknown>; keyId: string | null } {
  const bad = (why: string): never => {
    throw new InvalidInputError(`${what}: ${why}`, { data: { what } });
  };
  let m: unknown;
  try {
    m = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    bad('not JSON');
  }
  const rec = m as { artifactType?: unknown; annotations?: Record<string, unknown> } | null;
  if (!rec || typeof rec !== 'object' || rec.artifactType !== artifactType) bad(`not a ${artifactType} manifest`);
  const text = rec!.annotations?.[annotation];
  if (typeof text !== 'string') bad(`no ${annotation} annotation`);
  let doc: unknown;
  try {
    doc = JSON.parse(text as string);
  } catch {
    bad(`${annotation} is not JSON`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) bad(`${annotation} is not an object`);
  const d = doc as Record<string, unknown>;
  if (!Number.isInteger(d.protocol) || (d.protocol as number) < 1) bad('no protocol number');
  const protocol = d.protocol as number;
  // Never read as a downgrade: an older document carries no signature and no sequence.
  if (protocol < PROTOCOL)
    throw new DocumentRefusedError(
      `${what}: written by ${writer} speaking agent protocol ${protocol}; this Drover speaks protocol ${PROTOCOL} and refuses older documents: upgrade ${writer} to a Drover speaking protocol ${PROTOCOL}`,
      { data: { what, reason: 'protocol', protocol } },
    );
  if (protocol > PROTOCOL)
    throw new DocumentRefusedError(
      `${what}: written for agent protocol ${protocol}; this Drover speaks ${PROTOCOL}: upgrade this side`,
      { data: { what, reason: 'protocol', protocol } },
    );
  const sig = rec!.annotations?.[SIGNATURE_ANNOTATION];
  const key = rec!.annotations?.[KEY_ANNOTATION];
  const verdict = judgeDocumentSignature({
    text: text as string,
    signature: typeof sig === 'string' ? sig : undefined,
    keyId: typeof key === 'string' ? key : undefined,
    trustedKeys,
  });
  if (!verdict.ok)
    throw new DocumentRefusedError(`${what}: not accepted (${verdict.reason}): ${verdict.detail}`, {
      data: { what, reason: verdict.reason, ...(typeof key === 'string' ? { keyId: key } : {}) },
    });
  if (!Number.isSafeInteger(d.sequence) || (d.sequence as number) < 0) bad('no sequence number');
  return { d, keyId: verdict.keyId };
}

const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const str = (v: unknown): v is string => typeof v === 'string';

/** The index as a manifest to PUT at `drover.index:<env>`, signed when a signer is given (the hub's key). */
export function encodeIndex({
  index,
  signer,
}: {
  index: Omit<EnvironmentIndex, 'protocol'>;
  signer?: Signer | undefined;
}): Promise<Uint8Array> {
  const bundles = new Set(index.bundles);
  return manifest(
    INDEX_ARTIFACT_TYPE,
    INDEX_ANNOTATION,
    {
      protocol: PROTOCOL,
      sequence: index.sequence,
      environment: index.environment,
      bundles: [...bundles].sort(),
      retire: [...new Set(index.retire)].filter((b) => !bundles.has(b)).sort(),
      clusters: index.clusters,
      selfHeal: Object.fromEntries(
        Object.entries(index.selfHeal)
          .filter(([b]) => bundles.has(b))
          .sort(([a], [b]) => a.localeCompare(b)),
      ),
    },
    signer,
  );
}

/** The index read from its manifest: refused (DocumentRefusedError) unless signed by one of `trustedKeys` (none: not verified). */
export function decodeIndex(
  bytes: Uint8Array,
  { environment, trustedKeys }: { environment: string; trustedKeys: readonly TrustedKey[] },
): SignedDocument<EnvironmentIndex> {
  const what = `index of ${environment}`;
  const { d, keyId } = documentOf(bytes, {
    artifactType: INDEX_ARTIFACT_TYPE,
    annotation: INDEX_ANNOTATION,
    what,
    writer: 'the hub',
    trustedKeys,
  });
  const bad = (why: string): never => {
    throw new InvalidInputError(`${what}: ${why}`, { data: { what } });
  };
  if (d.environment !== environment) bad(`it is the index of ${JSON.stringify(d.environment)}`);
  if (!Array.isArray(d.bundles) || !d.bundles.every((b) => str(b) && NAME.test(b)))
    bad('bundles is not a list of bundle names');
  if (d.retire !== undefined && !(Array.isArray(d.retire) && d.retire.every((b) => str(b) && NAME.test(b))))
    bad('retire is not a list of bundle names');
  const clusters: Record<string, { tag: string }> = {};
  if (d.clusters !== undefined) {
    if (!d.clusters || typeof d.clusters !== 'object' || Array.isArray(d.clusters)) bad('clusters is not an object');
    for (const [name, v] of Object.entries(d.clusters as Record<string, unknown>)) {
      const tag = (v as { tag?: unknown } | null)?.tag;
      if (!NAME.test(name) || !str(tag) || !/^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/.test(tag))
        bad(`clusters.${name} is not {tag}`);
      clusters[name] = { tag: tag as string };
    }
  }
  // Absent (a hub before the field) or not understood: report, never heal.
  const selfHeal: Record<string, SelfHealPolicy> = {};
  const policies =
    d.selfHeal && typeof d.selfHeal === 'object' && !Array.isArray(d.selfHeal)
      ? (d.selfHeal as Record<string, unknown>)
      : {};
  for (const b of d.bundles as string[])
    selfHeal[b] = SELF_HEAL_POLICIES.includes(policies[b] as SelfHealPolicy)
      ? (policies[b] as SelfHealPolicy)
      : 'report';
  const sequence = d.sequence as number;
  return {
    document: {
      protocol: d.protocol as number,
      sequence,
      environment,
      bundles: d.bundles as string[],
      retire: ((d.retire as string[] | undefined) ?? []).filter((b) => !(d.bundles as string[]).includes(b)),
      clusters,
      selfHeal,
    },
    keyId,
    sequence,
  };
}

/** The status as a manifest to PUT at `drover.status/<cluster>:<bundle>`, signed when a signer is given (the agent's key). */
export function encodeStatus({
  status,
  signer,
}: {
  status: Omit<AgentStatus, 'protocol'>;
  signer?: Signer | undefined;
}): Promise<Uint8Array> {
  return manifest(STATUS_ARTIFACT_TYPE, STATUS_ANNOTATION, { protocol: PROTOCOL, ...status }, signer);
}

/** The status read from its manifest: refused (DocumentRefusedError) unless signed by one of `trustedKeys` (none: not verified). */
export function decodeStatus(
  bytes: Uint8Array,
  { bundle, cluster, trustedKeys }: { bundle: string; cluster: string; trustedKeys: readonly TrustedKey[] },
): SignedDocument<AgentStatus> {
  const what = `status of ${bundle} on ${cluster}`;
  const { d, keyId } = documentOf(bytes, {
    artifactType: STATUS_ARTIFACT_TYPE,
    annotation: STATUS_ANNOTATION,
    what,
    writer: `${cluster}'s agent`,
    trustedKeys,
  });
  const bad = (why: string): never => {
    throw new InvalidInputError(`${what}: ${why}`, { data: { what } });
  };
  if (d.bundle !== bundle || d.cluster !== cluster)
    bad(`it is the status of ${JSON.stringify(d.bundle)} on ${JSON.stringify(d.cluster)}`);
  if (!str(d.environment) || !str(d.tag) || !str(d.agent) || !str(d.time) || Number.isNaN(Date.parse(d.time)))
    bad('environment, tag, agent or time missing');
  if (d.desired !== null && !(str(d.desired) && DIGEST.test(d.desired))) bad('desired is not a digest');
  const r = d.running as { version?: unknown; digest?: unknown } | null;
  if (r !== null && !(r && str(r.version) && str(r.digest) && DIGEST.test(r.digest)))
    bad('running is not {version, digest}');
  if (!AGENT_STATES.includes(d.state as AgentState))
    bad(`state ${JSON.stringify(d.state)} is not one of ${AGENT_STATES.join(', ')}`);
  for (const k of ['health', 'failedObject', 'reason'] as const)
    if (d[k] !== null && !str(d[k])) bad(`${k} is not a string`);
  const sequence = d.sequence as number;
  const status: AgentStatus = {
    protocol: d.protocol as number,
    sequence,
    bundle,
    cluster,
    environment: d.environment as string,
    tag: d.tag as string,
    desired: d.desired as string | null,
    running: r ? { version: r.version as string, digest: r.digest as string } : null,
    state: d.state as AgentState,
    health: d.health as string | null,
    failedObject: d.failedObject as string | null,
    reason: d.reason as string | null,
    ...(driftOf(d.drift) ? { drift: driftOf(d.drift)! } : {}),
    agent: d.agent as string,
    time: d.time as string,
  };
  return { document: status, keyId, sequence };
}

/** A status's `drift`, when well-formed; anything else is ignored (it only informs). */
function driftOf(v: unknown): AgentDrift | undefined {
  const d = v as Partial<Record<keyof AgentDrift, unknown>> | null | undefined;
  if (
    !d ||
    typeof d !== 'object' ||
    !SELF_HEAL_POLICIES.includes(d.policy as SelfHealPolicy) ||
    !Number.isInteger(d.open) ||
    !Number.isInteger(d.heals)
  )
    return undefined;
  const h = d.lastHeal as { outcome?: unknown; message?: unknown; time?: unknown } | null | undefined;
  const lastHeal =
    h && str(h.outcome) && str(h.time)
      ? { outcome: h.outcome, message: str(h.message) ? h.message : null, time: h.time }
      : null;
  return { policy: d.policy as SelfHealPolicy, open: d.open as number, heals: d.heals as number, lastHeal };
}

/**
 * `drover show B@V`: one version as the state index has it: digest, commit,
 * parent, provenance and members, and for a version with targets each
 * target with its member count and whether it changed since the parent
 * (a target whose layer is the parent's blob did not). With `signature`, also
 * which trusted key signed it, or why it does not verify (verify.ts; this
 * reads the registry, so it is asked for: the CLI does, a page listing many
 * versions need not).
 */
import { DroverError, NotFoundError } from '../errors/errors.ts';
import { getVersion, type VersionRecord } from '../state/versions.ts';
import type { Workspace } from '../workspace/workspace.ts';
import { verifyVersion } from './verify.ts';

export interface TargetSummary {
  name: string;
  members: number;
  layer: string;
  /** True when the parent has no such target or another layer for it. */
  changed: boolean;
}

/** The key that signed a version, or why it is not verified; `not-checked`: no trusted key, or the registry could not say. */
export type SignatureInfo =
  | { verified: true; keyId: string }
  | {
      verified: false;
      reason: 'unsigned' | 'bad-signature' | 'untrusted-key' | 'other-digest' | 'not-checked';
      detail: string;
    };

export type VersionView = VersionRecord & { targets?: TargetSummary[]; signature?: SignatureInfo };

export async function showVersion({
  ws,
  bundle,
  version,
  signature = false,
  signal,
}: {
  ws: Workspace;
  bundle: string;
  version: string;
  signature?: boolean;
  signal?: AbortSignal;
}): Promise<VersionView> {
  const view = summarize({ ws, bundle, version });
  return signature ? { ...view, signature: await signatureOf({ ws, bundle, version, signal }) } : view;
}

async function signatureOf(args: {
  ws: Workspace;
  bundle: string;
  version: string;
  signal?: AbortSignal | undefined;
}): Promise<SignatureInfo> {
  try {
    const r = await verifyVersion(args);
    return r.verified ? { verified: true, keyId: r.keyId } : { verified: false, reason: r.reason, detail: r.detail };
  } catch (err) {
    if (!(err instanceof DroverError)) throw err;
    return { verified: false, reason: 'not-checked', detail: err.message };
  }
}

function summarize({ ws, bundle, version }: { ws: Workspace; bundle: string; version: string }): VersionView {
  const v = getVersion(ws.db, bundle, version);
  if (!v)
    throw new NotFoundError(`no version ${bundle}@${version} (see drover versions ${bundle})`, {
      data: { bundle, version },
    });
  if (!v.config.targets) return v;
  const parent = v.parent ? getVersion(ws.db, bundle, v.parent) : undefined;
  const before = new Map((parent?.config.targets ?? []).map((t) => [t.name, t.layer]));
  return {
    ...v,
    targets: v.config.targets.map((t) => ({
      name: t.name,
      members: t.members.length,
      layer: t.layer,
      changed: before.get(t.name) !== t.layer,
    })),
  };
}

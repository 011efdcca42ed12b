/**
 * Discovery at each source's head, exactly as `cut` discovers (the same
 * bundlesAtCommit: rendered bundles rendered, a file that fails to parse
 * blocking the plain bundles it could belong to): what `discover` and `lint`
 * show. A bundle whose render (or patches) fail is listed with its error.
 */
import type { TargetMembers } from '../bundle/assemble-version.ts';
import type { BundleDocument } from '../bundle/bundle-doc.ts';
import type { BundleDiscovery } from '../bundle/discover.ts';
import type { RendererInfo } from '../bundle/pack.ts';
import type { DroverConfig } from '../config/config.ts';
import { type DroverError, toDroverError } from '../errors/errors.ts';
import { bundlesAtCommit } from './bundles-at-commit.ts';
import { openConfiguredSource } from './configured-source.ts';

export interface BundleAtHead {
  bundle: BundleDocument;
  /** Its targets' members; absent when `error` says why they could not be read. */
  targets?: TargetMembers[];
  renderer?: RendererInfo;
  error?: DroverError;
}

export async function discoverAtHead({
  ws,
  bundle,
  signal,
}: {
  /** The workspace (lib/workspace sits above this folder: only its config and env are read). */
  ws: { config: DroverConfig; env: NodeJS.ProcessEnv };
  bundle?: string;
  signal?: AbortSignal;
}): Promise<{ source: string; head: string; bundles: BundleAtHead[]; blocked: BundleDiscovery['blocked'] }[]> {
  const out = [];
  for (const sc of ws.config.sources) {
    const source = await openConfiguredSource({ ws, sc, signal });
    const { head } = await source.sync({ signal });
    const at = await bundlesAtCommit({
      ws,
      source,
      commit: head,
      ...(bundle ? { bundle } : {}),
      signal,
    });
    if (at.failures.length > 0 && at.declared.length === at.blocked.length) throw at.failures[0]!.error;
    const bundles = at.bundles.map(({ doc, targets }): BundleAtHead => {
      try {
        return { bundle: doc, ...targets() };
      } catch (err) {
        if (signal?.aborted) throw err;
        return { bundle: doc, error: toDroverError(err) };
      }
    });
    out.push({
      source: sc.name,
      head,
      bundles,
      blocked: at.blocked.filter((b) => !bundle || b.bundle.name === bundle),
    });
  }
  return out;
}

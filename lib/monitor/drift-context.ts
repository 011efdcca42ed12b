/**
 * What drift needs from a workspace, shared by the one-off check (`drover
 * drift`) and the monitor (`drover serve`): which bundles to judge (known
 * here, or listed in an agent's index; self-heal policy not `off`), each version's content by digest (pulled
 * once and kept), the members exactly as Drover applies them (SOPS decrypted
 * with the cluster's environment's key, ownership marks added), each
 * cluster's content being its own target's.
 */
import { selfHealFor } from '../config/assemble.ts';
import type { SelfHeal } from '../config/config.ts';
import { environmentOfCluster } from '../config/lookups.ts';
import type { KubeObject } from '../object/ref.ts';
import { resolvePolicy } from '../bundle/policy.ts';
import { selectedBy, withOwnership } from '../release/ownership.ts';
import type { VersionContent } from '../bundle/version-content.ts';
import { isSopsEncrypted } from '../sops/detect.ts';
import { knownBundles } from '../state/drift.ts';
import { sopsPreparer } from '../release/sops-preparer.ts';
import type { Workspace } from '../workspace/workspace.ts';
import type { DesiredMember } from './inventory-index.ts';

/**
 * The self-heal policy of a bundle, or undefined for a bundle not to judge.
 * The hub's is drover.yaml's, for bundles its state knows; an agent's is its
 * environment's index (docs/agent-protocol.md).
 */
export type PolicyOf = (bundle: string) => SelfHeal | undefined;

/** drover.yaml's policy, for the bundles the workspace's state knows (cut or released here). */
export function configPolicy(ws: Workspace): PolicyOf {
  let known = { at: 0, names: new Set<string>() };
  return (bundle) => {
    if (Date.now() - known.at > 2000) known = { at: Date.now(), names: new Set(knownBundles(ws.db)) };
    return known.names.has(bundle) ? selfHealFor(ws.config, bundle) : undefined;
  };
}

/** What drift needs from a workspace: which bundles to judge, their content by digest, members as Drover applies them. */
export function driftContext(ws: Workspace, policyOf: PolicyOf = configPolicy(ws)) {
  const contents = new Map<string, Promise<VersionContent>>();
  const preparers = new Map<string, (o: KubeObject) => Promise<KubeObject>>();
  const environmentOf = (cluster: string) => environmentOfCluster(ws.config, cluster);
  const prepareFor = (cluster: string) => {
    const e = environmentOf(cluster);
    const key = e?.name ?? '';
    if (!preparers.has(key)) preparers.set(key, sopsPreparer({ environments: [e], env: ws.env }));
    return preparers.get(key)!;
  };
  /** A version's content as one cluster runs it: its target's layer. */
  const loadVersion =
    (bundle: string, cluster: string, signal?: AbortSignal) =>
    ({ digest }: { digest: string }): Promise<VersionContent> => {
      const key = `${bundle}@${digest}@${cluster}`;
      if (!contents.has(key)) {
        const environment = environmentOf(cluster)?.name;
        const p = ws.versions(bundle, { signal }).load(digest, {
          for: { cluster, ...(environment ? { environment } : {}) },
        });
        p.catch(() => contents.delete(key));
        contents.set(key, p);
      }
      return contents.get(key)!;
    };
  return {
    environmentOf,
    prepareFor,
    loadVersion,
    policyOf,
    tracks(bundle: string): boolean {
      const p = policyOf(bundle);
      return p !== undefined && p !== 'off';
    },
    async loadDesired({
      bundle,
      cluster,
      digest,
      signal,
    }: {
      bundle: string;
      cluster: string;
      digest: string;
      signal?: AbortSignal;
    }): Promise<DesiredMember[]> {
      const content = await loadVersion(bundle, cluster, signal)({ digest });
      const prepare = prepareFor(cluster);
      // Whatever was encrypted in Git is masked whole in findings, whatever its kind.
      // Marked as the release marks them (a shared member with its per-bundle label), so the marks themselves are never drift.
      const policy = resolvePolicy(content.policy);
      return Promise.all(
        content.members.map(async (m) => ({
          object: withOwnership(await prepare(m), bundle, { shared: selectedBy(policy.shared, m) }),
          sensitive: isSopsEncrypted(m),
        })),
      );
    },
  };
}

export type DriftContext = ReturnType<typeof driftContext>;

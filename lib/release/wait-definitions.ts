/**
 * The wait between a release's two phases: once a bundle's own Namespaces
 * and CRDs are applied, nothing that lives in them can be dry-run until the
 * Namespaces are Active, the CRDs Established, and the API server's
 * discovery serves the kinds those CRDs define. This waits for all three,
 * within the release's deadline, and fails naming the definition or the kind
 * that never came.
 *
 * @example
 *   await waitForDefinitions(cluster, { definitions: [ns, crd], kinds: [widget, deployment], deadline });
 */
import type { Cluster } from '../cluster/cluster.ts';
import { isNotServed } from '../cluster/discovery.ts';
import { ReleaseFailedError } from '../errors/errors.ts';
import { groupOf, type KubeObject } from '../object/ref.ts';
import type { OnEvent } from '../progress.ts';
import { pollDelayMs } from './poll-delay.ts';
import { verifyHealth } from './verify.ts';

export async function waitForDefinitions(
  cluster: Cluster,
  {
    definitions,
    kinds,
    deadline,
    signal,
    onEvent = () => {},
  }: {
    definitions: KubeObject[];
    kinds: readonly KubeObject[];
    deadline: number;
    signal?: AbortSignal;
    onEvent?: OnEvent;
  },
): Promise<void> {
  const verdict = await verifyHealth(cluster, { members: definitions, deadline, signal, onEvent });
  if (!verdict.ok)
    throw new ReleaseFailedError(`${cluster.name}: ${verdict.message}`, {
      data: { ref: verdict.ref, reason: verdict.reason, findings: verdict.findings },
    });

  const groups = new Set(
    definitions
      .filter((d) => d.kind === 'CustomResourceDefinition')
      .map((d) => (d.spec as { group?: string } | undefined)?.group),
  );
  if (groups.size === 0) return;
  cluster.discovery.invalidate();
  const wanted = new Map<string, KubeObject>();
  for (const o of kinds) if (groups.has(groupOf(o.apiVersion))) wanted.set(`${o.apiVersion}/${o.kind}`, o);
  for (const o of wanted.values()) {
    for (let attempt = 0; ; attempt++) {
      try {
        await cluster.discovery.resourceFor(o, signal);
        break;
      } catch (err) {
        if (!isNotServed(err)) throw err;
        if (Date.now() > deadline) {
          throw new ReleaseFailedError(
            `${cluster.name}: the CRDs are established but the API server does not serve ${o.kind} in ${o.apiVersion}: is it a version the bundle's CRD defines and serves?`,
            {
              data: { reason: 'KindNotServed', apiVersion: o.apiVersion, kind: o.kind },
              cause: err,
            },
          );
        }
        onEvent({
          phase: 'apply',
          subject: cluster.name,
          message: `waiting for the API server to serve ${o.kind} in ${o.apiVersion}`,
        });
        await new Promise((r) => setTimeout(r, pollDelayMs(attempt, { maxMs: 500 })));
        cluster.discovery.invalidate();
      }
    }
  }
}

import { describe, expect, it } from 'vitest';
import type { DeployResult } from '../verbs/deploy.ts';
import { countReleases, countSignatureRefusal } from './actions.ts';
import { createDependencyTracker } from './dependencies.ts';
import { createLogger } from './log.ts';
import { createServeMetrics } from './serve-metrics.ts';

const result = (
  clusters: DeployResult['clusters'],
): Pick<DeployResult, 'ok' | 'bundle' | 'version' | 'digest' | 'clusters'> => ({
  ok: false,
  bundle: 'web',
  version: '1.0.2',
  digest: 'sha256:0',
  clusters,
});

describe('countReleases', () => {
  it('counts each cluster by result, a rollback per failed cluster and a revert per cluster returned; not-started counts nothing', async () => {
    const metrics = createServeMetrics();
    const deps = createDependencyTracker({ metrics, log: createLogger({ write: () => {} }), registry: 'oci://r/p' });
    countReleases(
      { metrics, deps },
      result([
        { cluster: 'c1', wave: 1, state: 'reverted' },
        { cluster: 'c2', wave: 2, state: 'rolled-back' },
        { cluster: 'c3', wave: 2, state: 'reverted' },
        { cluster: 'c4', wave: 3, state: 'not-started' },
      ]),
    );
    const text = await metrics.registry.metrics();
    expect(text).toContain('drover_releases_total{bundle="web",cluster="c1",result="reverted"} 1');
    expect(text).toContain('drover_releases_total{bundle="web",cluster="c2",result="rolled-back"} 1');
    expect(text).not.toContain('cluster="c4"');
    expect(text).toContain('drover_rollbacks_total{kind="release"} 1');
    expect(text).toContain('drover_rollbacks_total{kind="revert"} 2');
  });

  it('notes which clusters answered: an error a cluster caused marks it down, any other outcome up', async () => {
    const metrics = createServeMetrics();
    const lines: string[] = [];
    const deps = createDependencyTracker({
      metrics,
      log: createLogger({ write: (l) => lines.push(l) }),
      registry: 'oci://r/p',
    });
    countReleases(
      { metrics, deps },
      result([
        { cluster: 'c1', wave: 1, state: 'succeeded' },
        {
          cluster: 'c2',
          wave: 1,
          state: 'error',
          dependency: 'cluster',
          message: 'c2: GET /api: connect ECONNREFUSED',
        },
        { cluster: 'c3', wave: 1, state: 'error', message: 'cluster c3 is not configured' },
      ]),
    );
    const text = await metrics.registry.metrics();
    expect(text).toContain('drover_cluster_up{cluster="c1"} 1');
    expect(text).toContain('drover_cluster_up{cluster="c2"} 0');
    expect(text).not.toContain('cluster="c3"} ');
    expect(text).toContain('drover_registry_up 1');
    expect(deps.snapshot().find((d) => d.name === 'c2')).toMatchObject({
      kind: 'cluster',
      up: false,
      error: 'c2: GET /api: connect ECONNREFUSED',
    });
    // Said once when it goes down, not on every retry.
    countReleases(
      { metrics, deps },
      result([{ cluster: 'c2', wave: 1, state: 'error', dependency: 'cluster', message: 'again' }]),
    );
    expect(lines.filter((l) => l.includes('cluster c2 is unreachable'))).toHaveLength(1);
    countReleases({ metrics, deps }, result([{ cluster: 'c2', wave: 1, state: 'succeeded' }]));
    expect(lines.filter((l) => l.includes('cluster c2 answers again'))).toHaveLength(1);
  });
});

describe('countSignatureRefusal', () => {
  const refusedBy = (reason: string, signature?: string) =>
    ({
      outcome: 'refused',
      plan: { refusal: { reason, message: 'x', data: signature ? { signature } : {} } },
    }) as unknown as Pick<DeployResult, 'outcome' | 'plan'>;

  it('counts a signature refusal by its reason, a digest not cut here as not-cut-here, and nothing else', async () => {
    const metrics = createServeMetrics();
    countSignatureRefusal({ metrics }, refusedBy('NotCutHere'));
    countSignatureRefusal({ metrics }, refusedBy('SignatureRefused', 'untrusted-key'));
    countSignatureRefusal({ metrics }, refusedBy('SignatureRefused', 'untrusted-key'));
    countSignatureRefusal({ metrics }, refusedBy('SignatureRefused', 'unsigned'));
    countSignatureRefusal({ metrics }, refusedBy('ForeignObject'));
    countSignatureRefusal({ metrics }, { outcome: 'healthy', plan: {} } as unknown as Pick<
      DeployResult,
      'outcome' | 'plan'
    >);
    const text = await metrics.registry.metrics();
    expect(text).toContain('drover_verify_refused_total{reason="untrusted-key"} 2');
    expect(text).toContain('drover_verify_refused_total{reason="unsigned"} 1');
    expect(text).toContain('drover_verify_refused_total{reason="bad-signature"} 0');
    expect(text).toContain('drover_verify_refused_total{reason="not-cut-here"} 1');
    expect(text).not.toContain('drover_verify_refused_total{reason="unknown"}');
  });
});

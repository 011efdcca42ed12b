import { describe, expect, it } from 'vitest';
import type { DeployResult } from '../workspace/deploy.ts';
import { countReleases } from './actions.ts';
import { createServeMetrics } from './serve-metrics.ts';

const result = (clusters: DeployResult['clusters']): DeployResult => ({ ok: false, bundle: 'web', version: '1.0.2', digest: 'sha256:0', clusters });

describe('countReleases', () => {
  it('counts each cluster by result, a rollback per failed cluster and a revert per cluster returned; not-started counts nothing', () => {
    const metrics = createServeMetrics({ startTimeMs: 0 });
    countReleases(
      { metrics },
      result([
        { cluster: 'c1', wave: 1, state: 'reverted' },
        { cluster: 'c2', wave: 2, state: 'rolled-back' },
        { cluster: 'c3', wave: 2, state: 'reverted' },
        { cluster: 'c4', wave: 3, state: 'not-started' },
      ]),
    );
    const text = metrics.registry.render();
    expect(text).toContain('drover_releases_total{bundle="web",cluster="c1",result="reverted"} 1');
    expect(text).toContain('drover_releases_total{bundle="web",cluster="c2",result="rolled-back"} 1');
    expect(text).not.toContain('cluster="c4"');
    expect(text).toContain('drover_rollbacks_total{kind="release"} 1');
    expect(text).toContain('drover_rollbacks_total{kind="revert"} 2');
  });
});

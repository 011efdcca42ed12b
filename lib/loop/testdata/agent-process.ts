/**
 * A real `drover agent` process for integration tests: `node cmd/drover.ts
 * agent` against a cluster of the test environment and a registry, with
 * nothing of the hub in its environment, its JSON log lines collected.
 * Resolves once it says it started; rejects if it exits before.
 *
 * @example
 *   const agent = await startAgentProcess({ cwd: scratch, registry: `oci://${host}/${prefix}`, cluster: c3, stateDir });
 *   agent.lines.some((l) => l.msg === 'agent stopped');
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ClusterInfo } from '../../../fixtures/testenv/kube.ts';

const cli = join(import.meta.dirname, '..', '..', '..', 'cmd', 'drover.ts');

export interface AgentProcess {
  proc: ChildProcess;
  lines: Record<string, unknown>[];
  /** Every line as written, for greps over the whole log. */
  raw: string[];
}

export function startAgentProcess({
  cwd,
  registry,
  cluster,
  name = 'c3',
  environment = 'edge',
  stateDir,
  args = [],
  env = {},
}: {
  cwd: string;
  registry: string;
  cluster: ClusterInfo;
  /** The cluster's name in the hub's drover.yaml. */
  name?: string;
  environment?: string;
  stateDir: string;
  /** More flags (keys, timeouts). */
  args?: string[];
  env?: NodeJS.ProcessEnv;
}): Promise<AgentProcess> {
  const proc = spawn(
    process.execPath,
    [
      cli,
      'agent',
      '--env',
      environment,
      '--cluster',
      name,
      '--registry',
      registry,
      '--kubeconfig',
      cluster.kubeconfig,
      '--context',
      cluster.context,
      '--state',
      stateDir,
      '--poll-seconds',
      '1',
      '--index-seconds',
      '1',
      ...args,
    ],
    {
      cwd,
      // Nothing of the hub: no API token, no kubeconfig of other clusters.
      env: { PATH: process.env.PATH, HOME: cwd, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  return new Promise((resolve, reject) => {
    createInterface({ input: proc.stderr! }).on('line', (line) => {
      raw.push(line);
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        rec = { msg: line };
      }
      lines.push(rec);
      if (rec.msg === 'agent started') resolve({ proc, lines, raw });
    });
    proc.on('exit', (code) =>
      reject(new Error(`drover agent exited ${code}: ${lines.map((l) => JSON.stringify(l)).join('\n')}`)),
    );
  });
}

// Child process for the crash-recovery test: releases one crash-bundle version
// and prints each applied object as a JSON line, so the parent can SIGKILL it
// after exactly k objects.
import { connectCluster } from '../../cluster/cluster.ts';
import { openState } from '../../state/open.ts';
import { releaseToCluster } from '../release.ts';
import { crashVersion } from './crash-bundle.ts';

const [kubeconfig, context, dbPath, bundle, namespace, version, count] = process.argv.slice(2) as [string, string, string, string, string, string, string];
const cluster = await connectCluster({ name: context, kubeconfig, context, qps: 20, burst: 1 });
const db = openState({ path: dbPath });
const make = (v: string) => crashVersion({ bundle, namespace, version: v, count: Number(count) });
await releaseToCluster({
  db,
  cluster,
  target: make(version),
  loadVersion: async ({ version: v }) => make(v),
  concurrency: 1,
  onEvent: (e) => {
    if (e.phase === 'apply') process.stdout.write(`${JSON.stringify(e)}\n`);
  },
});
process.stdout.write('{"phase":"done"}\n');

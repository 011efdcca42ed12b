/**
 * One cluster as Drover uses it: a client plus discovery, with the object
 * operations Drover needs (server-side apply, get, list, delete, watch), each
 * in its own file and each taking the object or ref it works on.
 */
import { ClusterClient, type ClusterClientOptions } from './client.ts';
import { Discovery } from './discovery.ts';

export interface Cluster {
  name: string;
  client: ClusterClient;
  discovery: Discovery;
}

export async function connectCluster(opts: ClusterClientOptions): Promise<Cluster> {
  const client = await ClusterClient.connect(opts);
  return { name: opts.name, client, discovery: new Discovery(client) };
}

export function closeCluster(c: Cluster): void {
  c.client.close();
}

/**
 * A workspace is everything one drover.yaml points at, opened once per
 * command: the config, the state database, the registry's stores, each
 * bundle's versions over them (the bundle store, wired to this state) and
 * (lazily) the clusters. Verbs take a workspace; the CLI opens and closes it.
 *
 * @example
 *   const ws = await openWorkspace({ configPath: 'drover.yaml' });
 *   try { await ws.versions('web').channel('prod'); } finally { ws.close(); }
 */
import { homedir } from 'node:os';
import type { Cluster } from '../cluster/cluster.ts';
import { secretFromEnv } from '../config/assemble.ts';
import type { DroverConfig } from '../config/config.ts';
import { NotFoundError, UsageError } from '../errors/errors.ts';
import { type BundleStore, connectStores, dockerConfigPath, openBundleStore, type Stores } from '../oci/index.ts';
import { markChannel } from '../state/channel-marks.ts';
import { openState, type StateDb } from '../state/open.ts';
import { getVersion } from '../state/versions.ts';

export interface Workspace {
  config: DroverConfig;
  db: StateDb;
  stores: Stores;
  /** The process environment it was opened with: age keys, Git and registry credentials, binaries' PATH, as drover.yaml names them. */
  env: NodeJS.ProcessEnv;
  /**
   * A bundle's versions and channel tags in the registry (lib/oci/bundle-store.ts),
   * pulled by the digest this state recorded at cut; a channel tag Drover moves or
   * follows is marked in this state as its own. Each call is a new handle with its own pull cache.
   */
  versions(bundle: string, opts?: { signal?: AbortSignal | undefined }): BundleStore;
  /** Connects (once) to the named clusters, or all configured push clusters; an agent cluster named is a UsageError. */
  clusters(names?: string[]): Promise<Map<string, Cluster>>;
  close(): void;
}

export interface OpenWorkspaceOptions {
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export async function openWorkspace({
  configPath = 'drover.yaml',
  env = process.env,
  signal,
}: OpenWorkspaceOptions = {}): Promise<Workspace> {
  // The schema and its validator load here, not with the module: `drover agent` assembles its config from flags.
  const { loadConfig } = await import('../config/config.ts');
  return openWorkspaceWith({ config: await loadConfig({ path: configPath, env }), env, signal });
}

/** A workspace over a config already resolved (`drover agent` makes its own from its flags). */
export async function openWorkspaceWith({
  config,
  env = process.env,
  signal,
}: {
  config: DroverConfig;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}): Promise<Workspace> {
  const username = secretFromEnv(config.registryAuth?.usernameEnv, env);
  const password = secretFromEnv(config.registryAuth?.passwordEnv, env);
  const stores = await connectStores({
    reference: config.registry,
    ...(username !== undefined && password !== undefined ? { credentials: { username, password } } : {}),
    dockerConfigPath: config.registryAuth?.dockerConfig ?? dockerConfigPath({ env, homeDir: env.HOME ?? homedir() }),
    tokenRealms: config.registryAuth?.tokenRealms ?? [],
    signal,
  });
  const db = openState({ path: config.state });
  const connected = new Map<string, Promise<Cluster>>();
  return {
    config,
    db,
    stores,
    env,
    versions: (bundle, { signal } = {}) =>
      openBundleStore({
        store: stores.open(bundle),
        bundle,
        recordedDigest: (version) => getVersion(db, bundle, version)?.digest,
        onMarked: (environment, digest) => markChannel(db, { bundle, environment, digest }),
        signal,
      }),
    async clusters(names) {
      // Agent clusters are reached through the registry only: never connected to, and left out of "all".
      const wanted = names ?? config.clusters.filter((c) => c.mode === 'push').map((c) => c.name);
      const out = new Map<string, Cluster>();
      for (const name of wanted) {
        const c = config.clusters.find((x) => x.name === name);
        if (!c) throw new NotFoundError(`${config.file}: no cluster named ${name}`, { data: { cluster: name } });
        if (c.mode === 'agent')
          throw new UsageError(
            `${config.file}: cluster ${name} is an agent cluster: Drover reaches it through the registry, not its API server`,
            { data: { cluster: name } },
          );
        // The cluster client (and the kubeconfig library) loads on first use: cut, show and history never need it.
        if (!connected.has(name))
          connected.set(
            name,
            import('../cluster/cluster.ts').then(({ connectCluster }) =>
              connectCluster({ name, kubeconfig: c.kubeconfig, context: c.context }),
            ),
          );
        out.set(name, await connected.get(name)!);
      }
      return out;
    },
    close() {
      for (const p of connected.values())
        p.then(
          (c) => c.client.close(),
          () => {},
        );
      db.close();
    },
  };
}

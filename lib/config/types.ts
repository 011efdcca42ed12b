/**
 * The resolved configuration's types (what drover.yaml becomes), apart from
 * the loader so that a reader of them (assemble.ts, the agent) does not load
 * the schema and Ajv, and no import cycle runs through config.ts.
 */
export interface SourceAuthConfig {
  usernameEnv?: string;
  passwordEnv?: string;
  tokenEnv?: string;
  credentialsFile?: string;
}

export interface SourceConfig {
  name: string;
  /** An http(s) URL, or an absolute local path. */
  url: string;
  branch: string;
  paths?: string[];
  schedule: string;
  auth?: SourceAuthConfig;
}

export interface ClusterConfig {
  name: string;
  /** `push`: Drover reaches the API server (context, kubeconfig); `agent`: a `drover agent` inside the cluster follows the tags, and Drover reaches it only through the registry. */
  mode: 'push' | 'agent';
  context: string;
  kubeconfig: string;
}

export interface WaveConfig {
  clusters: string[];
  concurrency?: number;
}

export interface EnvironmentConfig {
  name: string;
  clusters: string[];
  waves: WaveConfig[];
  promotion: { mode: 'manual' | 'auto'; healthyForSeconds: number };
  ageKey?: { file?: string; env?: string };
  timeoutSeconds: number;
  /** When a cluster fails a deploy: `revert` returns the clusters that took the version to what they ran before; `keep` leaves them on it. */
  onFailure: 'revert' | 'keep';
  /** Releases here create a member's namespace that does not exist. */
  createNamespace: boolean;
  /** What Helm renders of this environment's targets are told about its clusters (absent: Helm's defaults). */
  capabilities?: { kubeVersion?: string; apiVersions?: string[] };
}

export type SelfHeal = 'off' | 'report' | 'heal';

export interface DriftConfig {
  /** Default policy for every bundle. */
  selfHeal: SelfHeal;
  scanIntervalSeconds: number;
}

export interface ServeConfig {
  /** host:port of the daemon's HTTP listener. */
  listen: string;
  /** Environment variable holding the API bearer token. */
  tokenEnv: string;
  /** Reverse proxies whose X-Forwarded-For names the client (failed logins are counted per client). */
  trustedProxies: string[];
  /** Whether /metrics needs the API token. */
  metrics: { requireToken: boolean };
  webhook: { secretEnv: string; maxBodyBytes: number };
  graceSeconds: number;
  /** Channel tags as desired state: follow moves made outside Drover, reading each tag every `pollSeconds`. */
  channels: { follow: boolean; pollSeconds: number };
  /** The web dashboard at `/`: whether it may be looked at without logging in (actions always need a login), and how long a login lasts. */
  dashboard: { enabled: boolean; anonymousRead: boolean; sessionHours: number };
}

/** One renderer's settings. */
export interface RendererSettings {
  binary: string;
  timeoutSeconds: number;
  maxOutputBytes: number;
  concurrency: number;
}

export interface RenderConfig {
  kustomize: RendererSettings;
  helm: RendererSettings;
  /** Whether a bundle may opt in to remote references (Kustomize remote bases, Helm dependencies fetched): `never` (default) or `bundle`. */
  allowRemote: 'never' | 'bundle';
}

export interface DroverConfig {
  /** Absolute path of the file this came from. */
  file: string;
  sources: SourceConfig[];
  registry: string;
  registryAuth?: { usernameEnv?: string; passwordEnv?: string; dockerConfig?: string };
  state: string;
  kubeconfig: string;
  clusters: ClusterConfig[];
  environments: EnvironmentConfig[];
  drift: DriftConfig;
  /** Bundles that may ship objects in drover-system (Drover deploying itself). */
  selfManaged: string[];
  /** Per-bundle overrides, by bundle name. */
  bundles: Record<string, { selfHeal?: SelfHeal }>;
  serve: ServeConfig;
  render: RenderConfig;
}

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
  /** `mode: agent`: the agent's public key (PEM file, absolute); its statuses are accepted only with its signature (docs/agent-protocol.md). */
  agentKey?: string;
  /** `mode: agent`: how often its agent polls (`drover agent --poll-seconds`, default 30); a status older than three of them is Stale. */
  pollSeconds: number;
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
  /** Rollouts here verify the version's signature against the trusted keys before any apply (lib/rollout/signature-gate.ts). */
  requireSignatures: boolean;
  /**
   * Absolute paths of the PEM public keys a version deployed here must be signed by (any one suffices, so keys can
   * rotate); absent: the keys drover.yaml's `signing` trusts (the signing key's own and `signing.publicKeys`).
   */
  trustedKeys?: string[];
  /** What Helm renders of this environment's targets are told about its clusters (absent: Helm's defaults). */
  capabilities?: { kubeVersion?: string; apiVersions?: string[] };
}

export type SelfHeal = 'off' | 'report' | 'heal';

export interface DriftConfig {
  /** Default policy for every bundle. */
  selfHeal: SelfHeal;
  scanIntervalSeconds: number;
}

/** The push receivers a Git host can call, each with its own secret. */
export type WebhookProvider = 'github' | 'gitlab' | 'generic';

export interface WebhookConfig {
  /** Environment variable holding each provider's secret: GitHub's and the generic HMAC keys, GitLab's token (which GitLab sends in clear, so it is never an HMAC key). */
  secretEnvs: Record<WebhookProvider, string>;
  maxBodyBytes: number;
}

export interface ServeConfig {
  /** host:port of the daemon's HTTP listener. */
  listen: string;
  /** The origin people reach the dashboard at (`https://drover.example.com`); https makes the session cookie Secure and __Host- prefixed. */
  publicUrl?: string;
  /** Environment variable holding the API bearer token. */
  tokenEnv: string;
  /** Reverse proxies whose X-Forwarded-For names the client (failed logins are counted per client). */
  trustedProxies: string[];
  /** Whether /metrics needs the API token, and its own `host:port` listener when it has one (then not on `listen`). */
  metrics: { requireToken: boolean; listen?: string };
  webhook: WebhookConfig;
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
  /** The render cache's size limit (`<state dir>/render-cache/`): past it, the least recently used renders are deleted. */
  cacheMaxBytes: number;
}

export interface RegistryAuthConfig {
  usernameEnv?: string;
  passwordEnv?: string;
  dockerConfig?: string;
  /**
   * Token realms other than the registry's own host that may be sent its
   * credentials: hosts (`auth.docker.io`, `auth.example:8443`) or URL prefixes
   * (`https://gitlab.com/jwt/`). A realm elsewhere is asked anonymously.
   */
  tokenRealms?: string[];
}

/** How versions are signed at cut and which keys `drover verify` trusts (drover.yaml `signing`). */
export interface SigningConfig {
  /** Absolute path of the PEM private key. */
  keyFile?: string;
  /** Environment variable holding the PEM private key. */
  keyEnv?: string;
  /** Absolute paths of further trusted PEM public keys. */
  publicKeys: string[];
}

/** Caps on reading a source's content, which is untrusted (drover.yaml `limits`; lib/source/tree-budget.ts applies them). */
export interface LimitsConfig {
  /** Tree entries one operation (a cut, a discover) may read. */
  treeEntries: number;
  /** Deepest directory nesting read. */
  treeDepth: number;
  /** Blob bytes one operation may read, all files together. */
  treeBytes: number;
}

export interface DroverConfig {
  /** Absolute path of the file this came from. */
  file: string;
  sources: SourceConfig[];
  registry: string;
  registryAuth?: RegistryAuthConfig;
  /** Absent: versions are cut unsigned. */
  signing?: SigningConfig;
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
  limits: LimitsConfig;
}

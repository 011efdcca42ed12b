/**
 * drover.yaml: load, validate against schemas/drover.schema.json, and resolve
 * defaults and relative paths (against the file's directory). This module is
 * the only reader of the process environment: everything else is handed the
 * values it needs.
 *
 * @example
 *   const config = await loadConfig({ path: 'drover.yaml' });
 *   config.registry // 'oci-layout:///abs/path/.drover/registry'
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parseDocument } from 'yaml';
import schema from '../../schemas/drover.schema.json' with { type: 'json' };
import { InvalidInputError, NotFoundError } from '../errors/errors.ts';

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
  /** Per-bundle overrides, by bundle name. */
  bundles: Record<string, { selfHeal?: SelfHeal }>;
  serve: ServeConfig;
  render: RenderConfig;
}

/** The self-heal policy in force for `bundle`. */
export function selfHealFor(config: Pick<DroverConfig, 'drift' | 'bundles'>, bundle: string): SelfHeal {
  return config.bundles[bundle]?.selfHeal ?? config.drift.selfHeal;
}

const ajv = new Ajv2020({ allErrors: true, useDefaults: false, strict: false });
const validate = ajv.compile(schema);

/** Validates and resolves a parsed drover.yaml. Pure apart from reading `env` for defaults. */
export function resolveConfig({ doc, file, env = {} }: { doc: unknown; file: string; env?: NodeJS.ProcessEnv }): DroverConfig {
  if (!validate(doc)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && 'allowedValues' in e.params ? ` (${(e.params.allowedValues as unknown[]).join(', ')})` : ''}`);
    throw new InvalidInputError(`${file}: invalid configuration: ${problems.join('; ')}`, { data: { file, problems } });
  }
  const raw = doc as {
    sources: (Omit<SourceConfig, 'branch' | 'schedule'> & { branch?: string; schedule?: string })[];
    registry?: string;
    registryAuth?: DroverConfig['registryAuth'];
    state?: string;
    kubeconfig?: string;
    clusters?: { name: string; mode?: 'push' | 'agent'; context?: string; kubeconfig?: string }[];
    environments?: (Omit<EnvironmentConfig, 'waves' | 'promotion' | 'timeoutSeconds' | 'onFailure'> & {
      waves?: WaveConfig[];
      promotion?: Partial<EnvironmentConfig['promotion']>;
      timeoutSeconds?: number;
      onFailure?: EnvironmentConfig['onFailure'];
    })[];
    drift?: Partial<DriftConfig>;
    bundles?: DroverConfig['bundles'];
    serve?: Partial<Omit<ServeConfig, 'webhook' | 'channels' | 'dashboard'>> & { webhook?: Partial<ServeConfig['webhook']>; channels?: Partial<ServeConfig['channels']>; dashboard?: Partial<ServeConfig['dashboard']> };
    render?: { kustomize?: Partial<RendererSettings>; helm?: Partial<RendererSettings> };
  };
  const base = dirname(file);
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const isUrl = (u: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(u);
  const kubeconfig = abs(raw.kubeconfig ?? env.KUBECONFIG?.split(':')[0] ?? resolve(env.HOME ?? homedir(), '.kube', 'config'));

  const names = new Set<string>();
  for (const s of raw.sources) {
    if (names.has(s.name)) throw new InvalidInputError(`${file}: source ${s.name} is defined twice`, { data: { file, source: s.name } });
    names.add(s.name);
  }
  const clusters = (raw.clusters ?? []).map((c) => ({ name: c.name, mode: c.mode ?? ('push' as const), context: c.context ?? c.name, kubeconfig: c.kubeconfig ? abs(c.kubeconfig) : kubeconfig }));
  const clusterNames = new Set(clusters.map((c) => c.name));
  const environments = (raw.environments ?? []).map((e) => {
    for (const c of [...e.clusters, ...(e.waves ?? []).flatMap((w) => w.clusters)]) {
      if (!clusterNames.has(c)) throw new InvalidInputError(`${file}: environment ${e.name} names cluster ${c}, which is not in clusters`, { data: { file, environment: e.name, cluster: c } });
    }
    return {
      name: e.name,
      clusters: e.clusters,
      waves: e.waves ?? [{ clusters: e.clusters }],
      promotion: { mode: e.promotion?.mode ?? 'manual', healthyForSeconds: e.promotion?.healthyForSeconds ?? 600 },
      ...(e.ageKey ? { ageKey: { ...e.ageKey, ...(e.ageKey.file ? { file: abs(e.ageKey.file) } : {}) } } : {}),
      timeoutSeconds: e.timeoutSeconds ?? 300,
      onFailure: e.onFailure ?? 'revert',
      ...(e.capabilities ? { capabilities: e.capabilities } : {}),
    };
  });
  const registry = raw.registry ?? 'oci-layout://.drover/registry';
  return {
    file,
    sources: raw.sources.map((s) => ({
      ...s,
      url: isUrl(s.url) ? s.url : abs(s.url),
      branch: s.branch ?? 'main',
      schedule: s.schedule ?? '*/1 * * * *',
      ...(s.auth?.credentialsFile ? { auth: { ...s.auth, credentialsFile: abs(s.auth.credentialsFile) } } : {}),
    })),
    registry: registry.startsWith('oci-layout://') ? `oci-layout://${abs(registry.slice('oci-layout://'.length))}` : registry,
    ...(raw.registryAuth ? { registryAuth: raw.registryAuth } : {}),
    state: abs(raw.state ?? '.drover/state.db'),
    kubeconfig,
    clusters,
    environments,
    drift: { selfHeal: raw.drift?.selfHeal ?? 'report', scanIntervalSeconds: raw.drift?.scanIntervalSeconds ?? 300 },
    bundles: raw.bundles ?? {},
    serve: {
      listen: raw.serve?.listen ?? '127.0.0.1:7070',
      tokenEnv: raw.serve?.tokenEnv ?? 'DROVER_API_TOKEN',
      webhook: { secretEnv: raw.serve?.webhook?.secretEnv ?? 'DROVER_WEBHOOK_SECRET', maxBodyBytes: raw.serve?.webhook?.maxBodyBytes ?? 1_048_576 },
      graceSeconds: raw.serve?.graceSeconds ?? 60,
      channels: { follow: raw.serve?.channels?.follow ?? true, pollSeconds: raw.serve?.channels?.pollSeconds ?? 30 },
      dashboard: { enabled: raw.serve?.dashboard?.enabled ?? true, anonymousRead: raw.serve?.dashboard?.anonymousRead ?? false, sessionHours: raw.serve?.dashboard?.sessionHours ?? 8 },
    },
    render: { kustomize: rendererSettings('kustomize', raw.render?.kustomize), helm: rendererSettings('helm', raw.render?.helm) },
  };
}

function rendererSettings(binary: string, raw: Partial<RendererSettings> = {}): RendererSettings {
  return { binary: raw.binary ?? binary, timeoutSeconds: raw.timeoutSeconds ?? 60, maxOutputBytes: raw.maxOutputBytes ?? 64 * 1024 * 1024, concurrency: raw.concurrency ?? 4 };
}

/** Reads and resolves the config file. `env` defaults to the process environment. */
export async function loadConfig({ path = 'drover.yaml', env = process.env }: { path?: string; env?: NodeJS.ProcessEnv } = {}): Promise<DroverConfig> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`${file}: no configuration file (run drover init)`, { data: { file } });
    throw err;
  }
  const parsed = parseDocument(text);
  if (parsed.errors.length > 0) {
    const e = parsed.errors[0]!;
    throw new InvalidInputError(`${file}:${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`, { data: { file, line: e.linePos?.[0]?.line } });
  }
  return resolveConfig({ doc: parsed.toJS({ maxAliasCount: 100 }), file, env });
}

/** Reads a secret-bearing environment variable named by the config. Returns undefined when unset. */
export function secretFromEnv(name: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return name ? env[name] : undefined;
}

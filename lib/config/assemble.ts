/**
 * drover.yaml's defaults, relative paths (against the file's directory) and
 * cross-references (environments name configured clusters, sources are
 * unique), for a document already known to match the schema. Apart from
 * config.ts's validation, so a process that makes its own config from its
 * flags (`drover agent`) loads neither the schema nor Ajv (about 25 MB of
 * RSS together).
 *
 * @example
 *   const config = assembleConfig({ doc: { sources: [], clusters: [{ name: 'c3' }] }, file: '/agent/(drover agent)' });
 */
import { homedir } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { InvalidInputError } from '../errors/errors.ts';
import type {
  DriftConfig,
  DroverConfig,
  EnvironmentConfig,
  LimitsConfig,
  RenderConfig,
  RendererSettings,
  SelfHeal,
  ServeConfig,
  SourceConfig,
  WaveConfig,
} from './types.ts';

/** The self-heal policy in force for `bundle`. */
export function selfHealFor(config: Pick<DroverConfig, 'drift' | 'bundles'>, bundle: string): SelfHeal {
  return config.bundles[bundle]?.selfHeal ?? config.drift.selfHeal;
}

/** A schema-valid drover.yaml document, before defaults. */
type RawConfig = {
  sources: (Omit<SourceConfig, 'branch' | 'schedule'> & { branch?: string; schedule?: string })[];
  registry?: string;
  registryAuth?: DroverConfig['registryAuth'];
  signing?: { keyFile?: string; keyEnv?: string; publicKeys?: string[] };
  state?: string;
  kubeconfig?: string;
  clusters?: {
    name: string;
    mode?: 'push' | 'agent';
    context?: string;
    kubeconfig?: string;
    agentKey?: string;
    pollSeconds?: number;
  }[];
  environments?: (Omit<
    EnvironmentConfig,
    'waves' | 'promotion' | 'timeoutSeconds' | 'onFailure' | 'createNamespace' | 'requireSignatures'
  > & {
    createNamespace?: boolean;
    requireSignatures?: boolean;
    waves?: WaveConfig[];
    promotion?: Partial<EnvironmentConfig['promotion']>;
    timeoutSeconds?: number;
    onFailure?: EnvironmentConfig['onFailure'];
  })[];
  drift?: Partial<DriftConfig>;
  selfManaged?: string[];
  bundles?: DroverConfig['bundles'];
  serve?: Partial<Omit<ServeConfig, 'webhook' | 'channels' | 'dashboard' | 'metrics'>> & {
    metrics?: Partial<ServeConfig['metrics']>;
    webhook?: {
      secretEnv?: string;
      github?: { secretEnv?: string };
      gitlab?: { tokenEnv?: string };
      generic?: { secretEnv?: string };
      maxBodyBytes?: number;
    };
    channels?: Partial<ServeConfig['channels']>;
    dashboard?: Partial<ServeConfig['dashboard']>;
  };
  render?: {
    kustomize?: Partial<RendererSettings>;
    helm?: Partial<RendererSettings>;
    cacheMaxBytes?: number;
    allowRemote?: RenderConfig['allowRemote'];
  };
  limits?: Partial<LimitsConfig>;
};

type RawEnvironment = NonNullable<RawConfig['environments']>[number];

/** Defaults and paths of a schema-valid drover.yaml document (config.ts's `resolveConfig` validates first). */
export function assembleConfig({
  doc,
  file,
  env = {},
}: {
  doc: unknown;
  file: string;
  env?: NodeJS.ProcessEnv;
}): DroverConfig {
  const raw = doc as RawConfig;
  const base = dirname(file);
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const isUrl = (u: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(u);
  const kubeconfig = abs(
    raw.kubeconfig ?? env.KUBECONFIG?.split(':')[0] ?? resolve(env.HOME ?? homedir(), '.kube', 'config'),
  );

  const names = new Set<string>();
  for (const s of raw.sources) {
    if (names.has(s.name))
      throw new InvalidInputError(`${file}: source ${s.name} is defined twice`, { data: { file, source: s.name } });
    names.add(s.name);
  }
  const clusters = (raw.clusters ?? []).map((c) => ({
    name: c.name,
    mode: c.mode ?? ('push' as const),
    context: c.context ?? c.name,
    kubeconfig: c.kubeconfig ? abs(c.kubeconfig) : kubeconfig,
    ...(c.agentKey ? { agentKey: abs(c.agentKey) } : {}),
    pollSeconds: c.pollSeconds ?? 30,
  }));
  const clusterNames = new Set(clusters.map((c) => c.name));
  const environments = assembleEnvironments({ environments: raw.environments ?? [], clusterNames, file, abs });
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
    registry: registry.startsWith('oci-layout://')
      ? `oci-layout://${abs(registry.slice('oci-layout://'.length))}`
      : registry,
    ...(raw.registryAuth ? { registryAuth: raw.registryAuth } : {}),
    ...(raw.signing
      ? {
          signing: {
            ...(raw.signing.keyFile ? { keyFile: abs(raw.signing.keyFile) } : {}),
            ...(raw.signing.keyEnv ? { keyEnv: raw.signing.keyEnv } : {}),
            publicKeys: (raw.signing.publicKeys ?? []).map(abs),
          },
        }
      : {}),
    state: abs(raw.state ?? '.drover/state.db'),
    kubeconfig,
    clusters,
    environments,
    drift: { selfHeal: raw.drift?.selfHeal ?? 'report', scanIntervalSeconds: raw.drift?.scanIntervalSeconds ?? 300 },
    selfManaged: raw.selfManaged ?? [],
    bundles: raw.bundles ?? {},
    serve: assembleServe(raw.serve),
    render: {
      kustomize: rendererSettings('kustomize', raw.render?.kustomize),
      helm: rendererSettings('helm', raw.render?.helm),
      cacheMaxBytes: raw.render?.cacheMaxBytes ?? DEFAULT_RENDER_CACHE_MAX_BYTES,
      allowRemote: raw.render?.allowRemote ?? 'never',
    },
    limits: assembleLimits(raw.limits),
  };
}

/** Environments with their defaults (one wave of all clusters, manual promotion...); each must name configured clusters only. */
function assembleEnvironments({
  environments,
  clusterNames,
  file,
  abs,
}: {
  environments: RawEnvironment[];
  clusterNames: ReadonlySet<string>;
  file: string;
  abs: (p: string) => string;
}): EnvironmentConfig[] {
  return environments.map((e) => {
    for (const c of [...e.clusters, ...(e.waves ?? []).flatMap((w) => w.clusters)]) {
      if (!clusterNames.has(c))
        throw new InvalidInputError(`${file}: environment ${e.name} names cluster ${c}, which is not in clusters`, {
          data: { file, environment: e.name, cluster: c },
        });
    }
    return {
      name: e.name,
      clusters: e.clusters,
      waves: e.waves ?? [{ clusters: e.clusters }],
      promotion: { mode: e.promotion?.mode ?? 'manual', healthyForSeconds: e.promotion?.healthyForSeconds ?? 600 },
      ...(e.ageKey ? { ageKey: { ...e.ageKey, ...(e.ageKey.file ? { file: abs(e.ageKey.file) } : {}) } } : {}),
      timeoutSeconds: e.timeoutSeconds ?? 300,
      onFailure: e.onFailure ?? 'revert',
      createNamespace: e.createNamespace ?? false,
      requireSignatures: e.requireSignatures ?? false,
      ...(e.trustedKeys ? { trustedKeys: e.trustedKeys.map(abs) } : {}),
      ...(e.capabilities ? { capabilities: e.capabilities } : {}),
    };
  });
}

/** `drover serve`'s settings with their defaults. */
function assembleServe(serve: RawConfig['serve']): ServeConfig {
  return {
    listen: serve?.listen ?? '127.0.0.1:7070',
    ...(serve?.publicUrl ? { publicUrl: serve.publicUrl } : {}),
    tokenEnv: serve?.tokenEnv ?? 'DROVER_API_TOKEN',
    trustedProxies: serve?.trustedProxies ?? [],
    metrics: {
      requireToken: serve?.metrics?.requireToken ?? false,
      ...(serve?.metrics?.listen ? { listen: serve.metrics.listen } : {}),
    },
    webhook: {
      // `serve.webhook.secretEnv` is the older spelling of GitHub's: it named one secret for every provider.
      secretEnvs: {
        github: serve?.webhook?.github?.secretEnv ?? serve?.webhook?.secretEnv ?? 'DROVER_WEBHOOK_SECRET',
        gitlab: serve?.webhook?.gitlab?.tokenEnv ?? 'DROVER_GITLAB_WEBHOOK_TOKEN',
        generic: serve?.webhook?.generic?.secretEnv ?? 'DROVER_GENERIC_WEBHOOK_SECRET',
      },
      maxBodyBytes: serve?.webhook?.maxBodyBytes ?? 1_048_576,
    },
    graceSeconds: serve?.graceSeconds ?? 60,
    channels: { follow: serve?.channels?.follow ?? true, pollSeconds: serve?.channels?.pollSeconds ?? 30 },
    dashboard: {
      enabled: serve?.dashboard?.enabled ?? true,
      anonymousRead: serve?.dashboard?.anonymousRead ?? false,
      sessionHours: serve?.dashboard?.sessionHours ?? 8,
    },
  };
}

function rendererSettings(binary: string, raw: Partial<RendererSettings> = {}): RendererSettings {
  return {
    binary: raw.binary ?? binary,
    timeoutSeconds: raw.timeoutSeconds ?? 60,
    maxOutputBytes: raw.maxOutputBytes ?? 64 * 1024 * 1024,
    concurrency: raw.concurrency ?? 4,
  };
}

/** The caps on reading a source's content, with their defaults (lib/source's DEFAULT_TREE_LIMITS: the same numbers, a test checks). */
export function assembleLimits(raw: Partial<LimitsConfig> = {}): LimitsConfig {
  return {
    treeEntries: raw.treeEntries ?? 100_000,
    treeDepth: raw.treeDepth ?? 32,
    treeBytes: raw.treeBytes ?? 256 * 1024 * 1024,
  };
}
/** `render.cacheMaxBytes` when drover.yaml says nothing: 512 MiB (lib/render/render-cache.ts keeps the same default for callers without a config). */
const DEFAULT_RENDER_CACHE_MAX_BYTES = 512 * 1024 * 1024;

/** Reads a secret-bearing environment variable named by the config. Returns undefined when unset. */
export function secretFromEnv(name: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return name ? env[name] : undefined;
}

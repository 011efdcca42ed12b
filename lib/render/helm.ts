/**
 * The Helm renderer: the real `helm` binary, called as Argo CD and Flux's
 * helm-controller render charts (Helm's Go SDK has no Node counterpart),
 * `helm template` run by the driver (render-bundle.ts) in a sandbox holding
 * the target's closure (helm-chart.ts: the chart, its vendored dependencies
 * and the target's values files, with their refusals), with a private Helm
 * home, cache and data directory per call, CRDs included and tests left out,
 * and the capabilities of the target's environment. A bundle asks for it
 * with `spec.helm`.
 *
 * Every render runs TWICE: a target whose two renders differ is refused,
 * naming the objects, templates and fields (a chart calling randAlphaNum,
 * genCA, now or uuidv4 would never settle: every cut a new version, every
 * version drift). A resource annotated `helm.sh/hook` is refused, applied as
 * a plain member or left out, as the bundle's `spec.helm.hooks` says.
 *
 * Values are layered: the chart's values.yaml, spec.helm.values, then the
 * target's (a cluster's `prod/c3` reads `prod`'s first), then the `set`
 * values in the same order. The target's environment in drover.yaml gives
 * `--kube-version` and `--api-versions` (its `capabilities`). The cache key
 * is the closure's digest and the arguments'.
 *
 * @example
 *   helmTemplateArgs({ chart: 'charts/web', releaseName: 'web', namespace: 'shop', values: ['charts/web/values-prod.yaml'], set: [], hooks: 'refuse' })
 *   // => ['template', 'web', './charts/web', '--namespace', 'shop', '--include-crds', '--skip-tests', '--values', 'charts/web/values-prod.yaml']
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { TargetSpec } from '../bundle/bundle-doc.ts';
import { InvalidInputError } from '../errors/errors.ts';
import { stableStringify } from '../object/canonical.ts';
import { formatRef } from '../object/ref.ts';
import { type LoadedObject, loadObjects, type YamlLimits } from '../object/yaml.ts';
import { resolveHelmClosure } from './helm-chart.ts';
import { helmSources, renderDifferences } from './helm-output.ts';
import { renderOutputLimits } from './output-limits.ts';
import type { Renderer, SandboxRun } from './renderer.ts';
import type { SandboxNetwork } from './sandbox.ts';

const HOOK = 'helm.sh/hook';

export interface HelmTemplateArgs {
  chart: string;
  releaseName: string;
  namespace: string;
  /** Values files in order (repository paths, so sandbox paths). */
  values: readonly string[];
  /** `--set-json` values in order: later ones win. */
  set: readonly Record<string, unknown>[];
  hooks: 'refuse' | 'apply' | 'skip';
  kubeVersion?: string;
  apiVersions?: readonly string[];
}

/** The command line of `helm template` for these arguments (pure). */
export function helmTemplateArgs(a: HelmTemplateArgs): string[] {
  return [
    'template',
    a.releaseName,
    `./${a.chart}`,
    '--namespace',
    a.namespace,
    '--include-crds',
    '--skip-tests',
    ...(a.hooks === 'skip' ? ['--no-hooks'] : []),
    ...a.values.flatMap((v) => ['--values', v]),
    ...a.set.flatMap((s) => Object.entries(s).map(([k, v]) => ['--set-json', `${k}=${JSON.stringify(v)}`])).flat(),
    ...(a.kubeVersion ? ['--kube-version', a.kubeVersion] : []),
    ...(a.apiVersions ?? []).flatMap((v) => ['--api-versions', v]),
  ];
}

/** Runs helm in the sandbox: with no network, unless `network` says this call (a dependency build) may fetch. */
async function runHelm(
  { sandbox, binary, timeoutMs, maxOutputBytes, capSetting, what, signal }: SandboxRun,
  argv: string[],
  network: SandboxNetwork = 'none',
) {
  // Helm's home, cache and data (repositories, registry logins, plugins) are the sandbox's own; no kubeconfig.
  const env = {
    HELM_CACHE_HOME: join(sandbox.home, 'helm', 'cache'),
    HELM_CONFIG_HOME: join(sandbox.home, 'helm', 'config'),
    HELM_DATA_HOME: join(sandbox.home, 'helm', 'data'),
    KUBECONFIG: join(sandbox.home, 'no-kubeconfig'),
  };
  const args = { command: binary, args: argv, timeoutMs, maxOutputBytes, capSetting, what, env, network, signal };
  return (await sandbox.run(args)).stdout;
}

/** The targets a target inherits values from, itself last: `prod/c3` -> [prod, prod/c3] when `prod` is declared. */
function layersOf(target: TargetSpec | undefined, all: readonly TargetSpec[]): TargetSpec[] {
  if (!target) return [];
  const env = target.name.includes('/') ? all.find((t) => t.name === target.name.split('/')[0]) : undefined;
  return [...(env ? [env] : []), target];
}

/** Objects of a render, each named by the repository path of the template it came from. */
function objectsOf(text: string, chart: string, limits: Partial<YamlLimits>): LoadedObject[] {
  return loadObjects({
    files: helmSources(text).map((s) => ({ path: s.path.replace(/^[^/]+/, chart), text: s.text })),
    limits,
  });
}

export const helmRenderer = {
  name: 'helm',
  install: 'go install helm.sh/helm/v3/cmd/helm@v3.22.0',
  versionArgs: ['version', '--template', '{{.Version}}'],
  readVersion: (stdout) => stdout.trim(),
  renders: (bundle) => !!bundle.spec.helm,
  ownedPaths: (bundle) => {
    const s = bundle.spec;
    return s.helm ? [s.helm.chart, ...s.helm.values, ...(s.targets ?? []).flatMap((t) => t.values ?? [])] : [];
  },
  command: (bundle) => `helm template ${bundle.spec.helm!.chart}`,
  async prepare({ bundle, target: t, read, environments, where, allowRemote }) {
    const helm = bundle.spec.helm!;
    const declared = bundle.spec.targets ?? [];
    const layers = layersOf(t, declared);
    const capabilities = t ? environments.find((e) => e.name === t.name.split('/')[0])?.capabilities : undefined;
    const closure = await resolveHelmClosure({
      chart: helm.chart,
      values: [...helm.values, ...layers.flatMap((l) => l.values ?? [])],
      others: declared.flatMap((d) => d.values ?? []),
      read,
      remote: { operator: allowRemote, bundle: helm.allowRemote, bundleSetting: 'spec.helm.allowRemote' },
    });
    const args: HelmTemplateArgs = {
      chart: closure.chart,
      releaseName: helm.releaseName,
      namespace: helm.namespace,
      values: closure.values,
      set: [helm.set, ...layers.map((l) => l.set ?? {})].filter((s) => Object.keys(s).length > 0),
      hooks: helm.hooks,
      ...(capabilities?.kubeVersion ? { kubeVersion: capabilities.kubeVersion } : {}),
      ...(capabilities?.apiVersions?.length ? { apiVersions: capabilities.apiVersions } : {}),
    };
    // Targets with the same inputs (two of them reading the same values) share one render.
    const argsDigest = createHash('sha256')
      .update(stableStringify({ ...args, fetch: closure.fetch }))
      .digest('hex')
      .slice(0, 16);
    return {
      files: closure.files,
      key: `${closure.digest.slice('sha256:'.length)}-${argsDigest}`,
      async run(run) {
        if (closure.fetch.length > 0)
          await runHelm(run, ['dependency', 'build', `./${closure.chart}`], closure.network);
        const [first, second] = await Promise.all([
          runHelm(run, helmTemplateArgs(args)),
          runHelm(run, helmTemplateArgs(args)),
        ]);
        if (first !== second) {
          const limits = renderOutputLimits(run.maxOutputBytes);
          const differ = renderDifferences(
            objectsOf(first, closure.chart, limits),
            objectsOf(second, closure.chart, limits),
          );
          const named = differ.map(
            (d) => `${d.ref} (${d.template}${d.fields.length ? `: ${d.fields.slice(0, 5).join(', ')}` : ''})`,
          );
          throw new InvalidInputError(
            `${where}: two renders differ${named.length ? ` in ${named.join('; ')}` : ''}: the chart is not deterministic (randAlphaNum, genCA, now, uuidv4, ...), so every cut would make a new version and every cluster would drift; take the value from values (or a Secret shipped encrypted) instead`,
            { data: { bundle: bundle.name, target: t?.name, reason: 'nondeterministic', objects: differ } },
          );
        }
        return first;
      },
      objects(output, limits) {
        let objects: LoadedObject[];
        try {
          objects = objectsOf(output, closure.chart, limits);
        } catch (err) {
          if (err instanceof InvalidInputError)
            throw new InvalidInputError(`${where}: ${err.message}`, {
              data: { ...err.data, bundle: bundle.name, target: t?.name },
              cause: err,
            });
          throw err;
        }
        const hook =
          helm.hooks === 'refuse'
            ? objects.find((o) => o.object.metadata.annotations?.[HOOK] !== undefined)
            : undefined;
        if (hook)
          throw new InvalidInputError(
            `${where}: ${hook.file}: ${formatRef(hook.ref)} is a Helm hook (${HOOK}: ${hook.object.metadata.annotations![HOOK]}): Drover runs no hooks; set spec.helm.hooks to apply (as a plain member of the bundle) or skip`,
            {
              data: { bundle: bundle.name, target: t?.name, file: hook.file, ref: formatRef(hook.ref), reason: 'hook' },
            },
          );
        return objects;
      },
    };
  },
} as const satisfies Renderer;

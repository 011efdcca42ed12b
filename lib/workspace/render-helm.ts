/**
 * Every target of a Helm bundle, rendered for a cut: each target's closure
 * (the chart, its vendored dependencies and its values files, with the
 * refusals of lib/render/helm-chart.ts), its render taken from the render
 * cache when the closure, the arguments and the Helm version are those of a
 * render already done, else `helm template` in a sandbox holding just that
 * closure, TWICE: a target whose two renders differ is refused, naming the
 * objects, templates and fields (a chart calling randAlphaNum, genCA, now or
 * uuidv4 would never settle: every cut a new version, every version drift).
 * A resource annotated `helm.sh/hook` is refused, applied as a plain member
 * or left out, as the bundle's `spec.helm.hooks` says.
 *
 * Values are layered: the chart's values.yaml, spec.helm.values, then the
 * target's (a cluster's `prod/c3` reads `prod`'s first), then the `set`
 * values in the same order. The target's environment in drover.yaml gives
 * `--kube-version` and `--api-versions` (its `capabilities`).
 *
 * @example
 *   const r = await renderHelmTargets({ bundle, read, binary, settings, cache, environments });
 *   r.targets.map((t) => [t.name, t.objects.length, t.cached])
 */
import { createHash } from 'node:crypto';
import type { BundleDocument, TargetSpec } from '../bundle/bundle-doc.ts';
import type { EnvironmentConfig, RendererSettings } from '../config/config.ts';
import { InvalidInputError } from '../errors/errors.ts';
import { stableStringify } from '../object/canonical.ts';
import { formatRef } from '../object/ref.ts';
import { type LoadedObject, loadObjects } from '../object/yaml.ts';
import type { OnEvent } from '../progress.ts';
import { mapLimit } from '../foundation/map-limit.ts';
import type { RepoFile } from '../render/closure.ts';
import { type HelmClosure, resolveHelmClosure } from '../render/helm-chart.ts';
import { helmSources, renderDifferences } from '../render/helm-output.ts';
import { helmDependencyBuild, helmTemplate, type HelmTemplateArgs, helmVersion } from '../render/helm.ts';
import { openSandbox } from '../render/sandbox.ts';
import type { RenderCache } from './render-cache.ts';
import type { RenderedBundle, RenderedTarget } from './rendered.ts';

const HOOK = 'helm.sh/hook';

/** The targets a target inherits values from, itself last: `prod/c3` -> [prod, prod/c3] when `prod` is declared. */
function layersOf(target: TargetSpec | undefined, all: readonly TargetSpec[]): TargetSpec[] {
  if (!target) return [];
  const env = target.name.includes('/') ? all.find((t) => t.name === target.name.split('/')[0]) : undefined;
  return [...(env ? [env] : []), target];
}

/** Objects of a render, each named by the repository path of the template it came from. */
function objectsOf(text: string, chart: string): LoadedObject[] {
  return loadObjects({
    files: helmSources(text).map((s) => ({ path: s.path.replace(/^[^/]+/, chart), text: s.text })),
  });
}

export async function renderHelmTargets({
  bundle,
  read,
  binary,
  settings,
  cache,
  environments,
  onEvent = () => {},
  signal,
}: {
  bundle: BundleDocument;
  /** The files of the repository at the commit under a directory (recursively, binary ones as bytes). */
  read: (dir: string) => Promise<RepoFile[]>;
  binary: string;
  settings: RendererSettings;
  cache: RenderCache;
  /** drover.yaml's environments: a target's environment gives its capabilities. */
  environments: readonly EnvironmentConfig[];
  onEvent?: OnEvent;
  signal?: AbortSignal;
}): Promise<RenderedBundle> {
  const version = await helmVersion(binary);
  const helm = bundle.spec.helm!;
  const declared = bundle.spec.targets ?? [];
  const targets: (TargetSpec | undefined)[] = declared.length ? declared : [undefined];
  const rendered = await mapLimit(targets, settings.concurrency, async (t): Promise<RenderedTarget> => {
    const where = `${bundle.file}: bundle ${bundle.name}${t ? `, target ${t.name}` : ''} (helm template ${helm.chart})`;
    const layers = layersOf(t, declared);
    const capabilities = t ? environments.find((e) => e.name === t.name.split('/')[0])?.capabilities : undefined;
    let closure: HelmClosure;
    try {
      closure = await resolveHelmClosure({
        chart: helm.chart,
        values: [...helm.values, ...layers.flatMap((l) => l.values ?? [])],
        others: declared.flatMap((d) => d.values ?? []),
        read,
        allowRemote: helm.allowRemote,
      });
    } catch (err) {
      if (err instanceof InvalidInputError)
        throw new InvalidInputError(`${where}: ${err.message}`, {
          data: { ...err.data, bundle: bundle.name, target: t?.name },
          cause: err,
        });
      throw err;
    }
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
    const key = `${closure.digest.slice('sha256:'.length)}-${argsDigest}-helm-${version.replace(/[^a-zA-Z0-9.]/g, '_')}`;
    const { text, cached } = await cache.get(key, async () => {
      onEvent({
        phase: 'render',
        subject: bundle.name,
        message: `helm template ${helm.chart}${t ? ` (${t.name})` : ''}`,
      });
      const box = await openSandbox({ files: closure.files });
      const run = {
        sandbox: box,
        binary,
        timeoutMs: settings.timeoutSeconds * 1000,
        maxOutputBytes: settings.maxOutputBytes,
        what: where,
        signal,
      };
      try {
        if (closure.fetch.length > 0) await helmDependencyBuild({ ...run, chart: closure.chart });
        const [first, second] = await Promise.all([
          helmTemplate({ ...run, ...args }),
          helmTemplate({ ...run, ...args }),
        ]);
        if (first !== second) {
          const differ = renderDifferences(objectsOf(first, closure.chart), objectsOf(second, closure.chart));
          const named = differ.map(
            (d) => `${d.ref} (${d.template}${d.fields.length ? `: ${d.fields.slice(0, 5).join(', ')}` : ''})`,
          );
          throw new InvalidInputError(
            `${where}: two renders differ${named.length ? ` in ${named.join('; ')}` : ''}: the chart is not deterministic (randAlphaNum, genCA, now, uuidv4, ...), so every cut would make a new version and every cluster would drift; take the value from values (or a Secret shipped encrypted) instead`,
            { data: { bundle: bundle.name, target: t?.name, reason: 'nondeterministic', objects: differ } },
          );
        }
        return first;
      } finally {
        await box.close();
      }
    });
    let objects: LoadedObject[];
    try {
      objects = objectsOf(text, closure.chart);
    } catch (err) {
      if (err instanceof InvalidInputError)
        throw new InvalidInputError(`${where}: ${err.message}`, {
          data: { ...err.data, bundle: bundle.name, target: t?.name },
          cause: err,
        });
      throw err;
    }
    if (helm.hooks === 'refuse') {
      const hook = objects.find((o) => o.object.metadata.annotations?.[HOOK] !== undefined);
      if (hook) {
        throw new InvalidInputError(
          `${where}: ${hook.file}: ${formatRef(hook.ref)} is a Helm hook (${HOOK}: ${hook.object.metadata.annotations![HOOK]}): Drover runs no hooks; set spec.helm.hooks to apply (as a plain member of the bundle) or skip`,
          { data: { bundle: bundle.name, target: t?.name, file: hook.file, ref: formatRef(hook.ref), reason: 'hook' } },
        );
      }
    }
    return { name: t?.name, objects, files: closure.files.map((f) => f.path), cached };
  });
  return { renderer: { name: 'helm', version }, targets: rendered };
}

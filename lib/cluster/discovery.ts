/**
 * Which REST resource serves a group/version/kind, and whether it is
 * namespaced, from the API server's aggregated discovery (two requests for
 * everything: /api and /apis). A miss refreshes once, so CRDs established a
 * moment ago are found.
 */
import { InvalidInputError } from '../errors/errors.ts';
import { groupOf } from '../object/ref.ts';
import type { ClusterClient } from './client.ts';

/** `data.reason` of the error for a kind the API server does not serve. */
export const NOT_SERVED = 'NotServed';

/** Whether `err` says the API server does not serve a kind (no CRD for it, or not established yet). */
export function isNotServed(err: unknown): boolean {
  return err instanceof InvalidInputError && err.data.reason === NOT_SERVED;
}

export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  /** Plural resource name, e.g. `deployments`. */
  resource: string;
  namespaced: boolean;
}

interface DiscoveryList {
  items?: {
    metadata?: { name?: string };
    versions?: {
      version: string;
      resources?: { resource: string; responseKind?: { kind: string }; scope: string }[];
    }[];
  }[];
}

const AGGREGATED =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

export class Discovery {
  #client: ClusterClient;
  #byGvk = new Map<string, ResourceInfo>();
  #loaded: Promise<void> | undefined;
  #loadedAt = 0;

  constructor(client: ClusterClient) {
    this.#client = client;
  }

  async #load(signal?: AbortSignal): Promise<void> {
    const map = new Map<string, ResourceInfo>();
    for (const path of ['/api', '/apis']) {
      const { body } = await this.#client.request<DiscoveryList>({ method: 'GET', path, accept: AGGREGATED, signal });
      for (const g of body.items ?? []) {
        const group = g.metadata?.name ?? '';
        for (const v of g.versions ?? []) {
          for (const r of v.resources ?? []) {
            if (!r.responseKind?.kind) continue;
            map.set(`${group}/${v.version}/${r.responseKind.kind}`, {
              group,
              version: v.version,
              kind: r.responseKind.kind,
              resource: r.resource,
              namespaced: r.scope === 'Namespaced',
            });
          }
        }
      }
    }
    this.#byGvk = map;
    this.#loadedAt = Date.now();
  }

  async #ensure(signal?: AbortSignal): Promise<void> {
    this.#loaded ??= this.#load(signal).catch((err) => {
      this.#loaded = undefined;
      throw err;
    });
    await this.#loaded;
  }

  /** The resource for an apiVersion and kind; refreshes discovery once on a miss. */
  async resourceFor(
    { apiVersion, kind }: { apiVersion: string; kind: string },
    signal?: AbortSignal,
  ): Promise<ResourceInfo> {
    await this.#ensure(signal);
    const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
    const key = `${groupOf(apiVersion)}/${version}/${kind}`;
    let info = this.#byGvk.get(key);
    if (!info && Date.now() - this.#loadedAt > 500) {
      this.#loaded = this.#load(signal);
      await this.#loaded;
      info = this.#byGvk.get(key);
    }
    if (!info) {
      throw new InvalidInputError(
        `${this.#client.name}: the API server does not serve ${kind} in ${apiVersion} (is its CRD installed?)`,
        {
          data: { cluster: this.#client.name, apiVersion, kind, reason: NOT_SERVED },
        },
      );
    }
    return info;
  }

  /** Drops what is known, e.g. after CRDs were created. */
  invalidate(): void {
    this.#loaded = undefined;
    this.#loadedAt = 0;
  }
}

/** The REST path of a collection or, with a name, of one object. */
export function resourcePath(info: ResourceInfo, namespace?: string, name?: string): string {
  const prefix = info.group === '' ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${prefix}${ns}/${info.resource}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

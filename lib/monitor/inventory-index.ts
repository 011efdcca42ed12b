/**
 * Which bundles run on one cluster, and what each of their members should
 * be, from the cluster's inventory ConfigMaps (`drover-system`, labelled
 * `drover.dev/inventory`): per bundle the inventory (the version it runs
 * whole, a release in flight) and, once loaded, that version's members
 * exactly as Drover applies them, indexed by member so a live object finds
 * the bundles that own it. A bundle whose new version is still loading, or
 * whose content is out of reach (`unjudged` says why), is present but has no
 * members yet: judging it against the old version would be wrong. It reads
 * no live member and judges nothing; what changes (a version now in force, a
 * bundle gone, a release ended) goes to `onChange`.
 *
 * @example
 *   const index = new InventoryIndex({ cluster: 'c1', tracks, loadDesired, onChange, onWarn });
 *   await index.apply(inventoryConfigMaps, { full: true, signal });
 *   index.ownersOf(idOf(liveObject)); // => the bundles' members at that identity
 */
import { toDroverError } from '../errors/errors.ts';
import { formatRef, idOf, type KubeObject, type ObjectId, refKey, refOf } from '../object/ref.ts';
import { type Inventory, parseInventoryObject } from '../release/inventory.ts';
import { delegatedPaths } from '../object/delegated.ts';
import { INVENTORY_LABEL } from '../bundle/member-namespaces.ts';

/** A member as Drover applies it; `sensitive` when every value must be masked in findings (it was SOPS-encrypted). */
export interface DesiredMember {
  object: KubeObject;
  sensitive?: boolean;
}

export interface LoadDesiredArgs {
  bundle: string;
  cluster: string;
  version: string;
  digest: string;
  signal?: AbortSignal;
}

/** One bundle's member at the version the cluster should run, with what judging it takes. */
export interface IndexedMember {
  bundle: string;
  member: ObjectId;
  desired: KubeObject;
  /** Paths the bundle hands to others on purpose (e.g. replicas under its own autoscaler). */
  ignore: string[];
  sensitive: boolean;
}

/** The version loaded for a bundle; `pending` while its inventory records a release in flight. */
export interface LoadedVersion {
  version: string;
  digest: string;
  pending: boolean;
  members: IndexedMember[];
}

export type IndexChange =
  /** The bundle's members are now those of this version (loaded for the first time, or moved to). */
  | { type: 'version'; bundle: string; version: string; digest: string; members: ObjectId[] }
  /** The bundle no longer runs on the cluster (its inventory is gone or has no current version). */
  | { type: 'gone'; bundle: string }
  /** The release in flight ended and the cluster stays on the version already loaded. */
  | { type: 'settled'; bundle: string };

export interface InventoryIndexOptions {
  cluster: string;
  /** Bundles indexed here; other inventories are ignored. */
  tracks: (bundle: string) => boolean;
  /** The members of a version exactly as Drover applies them (prepared, with ownership marks). */
  loadDesired: (args: LoadDesiredArgs) => Promise<DesiredMember[]>;
  onChange: (change: IndexChange) => void;
  onWarn: (message: string) => void;
}

interface BundleState {
  inventory: Inventory;
  desired?: { version: string; digest: string; entries: IndexedMember[] };
}

/** Identifies a resource type: `apps/v1|Deployment`. */
export const typeKey = (apiVersion: string, kind: string): string => `${apiVersion}|${kind}`;

export class InventoryIndex {
  #o: InventoryIndexOptions;
  #bundles = new Map<string, BundleState>();
  /** Member key -> the bundles' entries for it. */
  #index = new Map<string, IndexedMember[]>();
  #unjudged = new Map<string, string>();

  constructor(opts: InventoryIndexOptions) {
    this.#o = opts;
  }

  /** Bundles with a version loaded, with the version each should run. */
  running(): { bundle: string; version: string; digest: string; pending: boolean }[] {
    return [...this.#bundles].flatMap(([bundle, s]) =>
      s.desired
        ? [{ bundle, version: s.desired.version, digest: s.desired.digest, pending: s.inventory.pending !== null }]
        : [],
    );
  }

  /** Bundles whose inventory is on the cluster (loaded or not: loading, release in flight, content unavailable). */
  present(): string[] {
    return [...this.#bundles.keys()];
  }

  /** Bundles whose content could not be loaded, and why. */
  unjudged(): { bundle: string; reason: string }[] {
    return [...this.#unjudged].map(([bundle, reason]) => ({ bundle, reason }));
  }

  /** Members of every loaded version. */
  memberCount(): number {
    return [...this.#bundles.values()].reduce((n, s) => n + (s.desired?.entries.length ?? 0), 0);
  }

  /** The version loaded for a bundle, or undefined (not on the cluster, or not loaded yet). */
  loaded(bundle: string): LoadedVersion | undefined {
    const s = this.#bundles.get(bundle);
    return s?.desired
      ? {
          version: s.desired.version,
          digest: s.desired.digest,
          pending: s.inventory.pending !== null,
          members: s.desired.entries,
        }
      : undefined;
  }

  /** A member as loaded for the version the cluster should run, by `Kind/ns/name`. */
  desiredOf(bundle: string, ref: string): IndexedMember | undefined {
    return this.#bundles.get(bundle)?.desired?.entries.find((e) => formatRef(refOf(e.desired)) === ref);
  }

  /** The bundles' members at this identity (two bundles may claim one object). */
  ownersOf(member: ObjectId): readonly IndexedMember[] {
    return this.#index.get(refKey(member)) ?? [];
  }

  /** Every indexed member, member by member. */
  members(): IndexedMember[] {
    return [...this.#index.values()].flat();
  }

  /** The resource types of every loaded member, by `typeKey`. */
  types(): Map<string, { apiVersion: string; kind: string }> {
    const out = new Map<string, { apiVersion: string; kind: string }>();
    for (const s of this.#bundles.values())
      for (const e of s.desired?.entries ?? [])
        out.set(typeKey(e.member.apiVersion, e.member.kind), { apiVersion: e.member.apiVersion, kind: e.member.kind });
    return out;
  }

  /**
   * Takes inventory ConfigMaps in: `full` when they are every inventory on
   * the cluster (a list: bundles not among them are gone), `deleted` when
   * they were deleted. Loads a version's content when a bundle moves to it.
   */
  async apply(
    items: KubeObject[],
    { full, deleted = false, signal }: { full: boolean; deleted?: boolean; signal: AbortSignal },
  ): Promise<void> {
    const seen = new Set<string>();
    for (const o of items) {
      const bundle = o.metadata.labels?.[INVENTORY_LABEL];
      if (!bundle || !this.#o.tracks(bundle)) continue;
      seen.add(bundle);
      if (deleted) {
        this.#drop(bundle);
        continue;
      }
      let inv: Inventory;
      try {
        inv = parseInventoryObject(o, bundle);
      } catch (err) {
        this.#o.onWarn(toDroverError(err).message);
        continue;
      }
      try {
        await this.#applyInventory(bundle, inv, signal);
        this.#unjudged.delete(bundle);
      } catch (err) {
        if (signal.aborted) throw err;
        // One bundle's content out of reach (registry down) must not stop the others being judged.
        const message = toDroverError(err).message;
        this.#unjudged.set(bundle, message);
        this.#o.onWarn(`${bundle}: not judged: ${message}`);
      }
    }
    if (full) for (const b of [...this.#bundles.keys()]) if (!seen.has(b)) this.#drop(b);
  }

  #drop(bundle: string): void {
    if (!this.#bundles.delete(bundle)) return;
    this.#reindex();
    this.#o.onChange({ type: 'gone', bundle });
  }

  async #applyInventory(bundle: string, inv: Inventory, signal: AbortSignal): Promise<void> {
    const state = this.#bundles.get(bundle);
    const wasPending = state?.inventory.pending != null;
    if (!inv.current) {
      // Nothing runs whole yet (first release in flight or rolled away): nothing to judge.
      if (state?.desired) this.#drop(bundle);
      else this.#bundles.set(bundle, { inventory: inv });
      return;
    }
    const cur = inv.current;
    if (state?.desired?.digest === cur.digest) {
      state.inventory = inv;
      if (wasPending && !inv.pending) this.#o.onChange({ type: 'settled', bundle });
      return;
    }
    // No members until the new version's content is loaded: judging against the old one would be wrong.
    this.#bundles.set(bundle, { inventory: inv });
    this.#reindex();
    const members = await this.#o.loadDesired({
      bundle,
      cluster: this.#o.cluster,
      version: cur.version,
      digest: cur.digest,
      signal,
    });
    const delegated = delegatedPaths(members.map((m) => m.object));
    const entries = members.map(({ object: desired, sensitive = false }) => ({
      bundle,
      member: idOf(desired),
      desired,
      ignore: delegated.get(refKey(refOf(desired))) ?? [],
      sensitive,
    }));
    this.#bundles.set(bundle, { inventory: inv, desired: { version: cur.version, digest: cur.digest, entries } });
    this.#reindex();
    this.#o.onChange({
      type: 'version',
      bundle,
      version: cur.version,
      digest: cur.digest,
      members: entries.map((e) => e.member),
    });
  }

  #reindex(): void {
    this.#index.clear();
    for (const s of this.#bundles.values()) {
      for (const e of s.desired?.entries ?? []) {
        const k = refKey(e.member);
        this.#index.set(k, [...(this.#index.get(k) ?? []), e]);
      }
    }
  }
}

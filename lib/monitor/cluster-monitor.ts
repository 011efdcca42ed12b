/**
 * Drift detection on one cluster: which bundles run there and at which
 * version (the inventory ConfigMaps in `drover-system`, themselves watched),
 * what each member should be (the version's content, as Drover applies it),
 * and what each member is (one watch per resource type across the cluster,
 * selecting Drover's objects by the `drover.dev/bundle` label, with the
 * objects kept in memory as an informer does). Every event on a member is
 * judged at once; a periodic full scan (one LIST per type) catches what a
 * watch missed. At rest it sends no request at all; a GET is sent only to
 * tell a deleted member from one whose label was removed.
 *
 * A bundle whose inventory records a release in flight (`pending`), or that
 * a local release holds (`isBusy`), is not judged until the release ends;
 * a new finding is confirmed `confirmMs` after it is seen (judged again on the
 * newest copy), so a release's writes seen just before its inventory update
 * never read as drift. Verdicts go to `onObservation`; nothing here writes
 * state.
 *
 * @example
 *   const m = new ClusterMonitor({ cluster, tracks: (b) => b === 'web', loadDesired, onObservation });
 *   await m.start();   // or: await m.scan() for a one-shot check
 *   ...
 *   await m.stop();
 */
import type { Cluster } from '../cluster/cluster.ts';
import { getObject, listObjects } from '../cluster/get.ts';
import { createInformer, type Informer } from '../cluster/informer.ts';
import { type Watch, type WatchEvent, watchObjects } from '../cluster/watch.ts';

import { toDroverError } from '../errors/errors.ts';

import { formatRef, idOf, type KubeObject, keyOf, type ObjectId, refKey, refOf } from '../object/ref.ts';

import type { OnEvent } from '../progress.ts';
import { INVENTORY_NAMESPACE, type Inventory, parseInventoryObject } from '../release/inventory.ts';
import { BUNDLE_LABEL } from '../release/ownership.ts';

import { mapLimit } from '../release/pool.ts';

import { assessMember, delegatedPaths, type ObjectDrift } from '../drift/assess.ts';


export const INVENTORY_LABEL = 'drover.dev/inventory';

export type DetectedBy = 'watch' | 'scan';

/** What the monitor tells its owner. */
export type Observation =
  | {
      type: 'judged';
      bundle: string;
      cluster: string;
      version: string;
      digest: string;
      member: ObjectId;
      ref: string;
      /** Null when the member matches. */
      drift: ObjectDrift | null;
      detectedBy: DetectedBy;
      /** When the change was seen (ms since epoch). */
      at: number;
    }
  /** The cluster now runs `version` of the bundle with these members (findings on other members are moot). */
  | { type: 'version'; bundle: string; cluster: string; version: string; digest: string; members: ObjectId[] }
  /** The bundle no longer runs on the cluster. */
  | { type: 'gone'; bundle: string; cluster: string };

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

export interface ClusterMonitorOptions {
  cluster: Cluster;
  /** Bundles judged here; others' inventories and objects are ignored. */
  tracks: (bundle: string) => boolean;
  /** The members of a version exactly as Drover applies them (prepared, with ownership marks). */
  loadDesired: (args: LoadDesiredArgs) => Promise<DesiredMember[]>;
  onObservation: (o: Observation) => void;
  /** True while a release of this process holds the bundle on this cluster. */
  isBusy?: (bundle: string, cluster: string) => boolean;
  confirmMs?: number;
  /** Server-side timeout of each watch request (default 300-600 s). */
  watchTimeoutSeconds?: number;
  onEvent?: OnEvent;
}

interface Entry {
  bundle: string;
  member: ObjectId;
  desired: KubeObject;
  ignore: string[];
  sensitive: boolean;
}

interface BundleState {
  inventory: Inventory;
  desired?: { version: string; digest: string; entries: Entry[] };
}

const typeKey = (apiVersion: string, kind: string) => `${apiVersion}|${kind}`;
const memberKey = (m: ObjectId) => refKey(m);

export interface MonitorStats {
  judged: number;
  confirmGets: number;
  scans: number;
  watches: number;
}

export class ClusterMonitor {
  readonly stats: MonitorStats = { judged: 0, confirmGets: 0, scans: 0, watches: 0 };
  #o: ClusterMonitorOptions;
  #bundles = new Map<string, BundleState>();
  /** Member key -> the bundles' entries for it. */
  #index = new Map<string, Entry[]>();
  /** Type key -> the live objects of that type Drover labelled (watched, or filled by the last scan). */
  #informers = new Map<string, Informer>();
  #selector = '';
  #inventoryWatch: Watch | undefined;
  #queue: Promise<void> = Promise.resolve();
  #confirming = new Map<string, ReturnType<typeof setTimeout>>();
  #ac = new AbortController();
  #watching = false;
  #deferred = new Set<string>();
  #unjudged = new Map<string, string>();
  #deferTimer: ReturnType<typeof setInterval> | undefined;

  constructor(opts: ClusterMonitorOptions) {
    this.#o = opts;
  }

  get cluster(): string {
    return this.#o.cluster.name;
  }

  /** Bundles judged on this cluster now, with the version each should run. */
  running(): { bundle: string; version: string; digest: string; pending: boolean }[] {
    return [...this.#bundles].flatMap(([bundle, s]) => (s.desired ? [{ bundle, version: s.desired.version, digest: s.desired.digest, pending: s.inventory.pending !== null }] : []));
  }

  /** Bundles whose inventory is on this cluster (judged or not: loading, release in flight, content unavailable). */
  present(): string[] {
    return [...this.#bundles.keys()];
  }

  /** A member as loaded for the version the cluster should run, with what judging it takes. */
  desiredOf(bundle: string, ref: string): { desired: KubeObject; ignore: string[]; sensitive: boolean } | undefined {
    return this.#bundles.get(bundle)?.desired?.entries.find((e) => formatRef(refOf(e.desired)) === ref);
  }

  /** One full pass: every inventory (one LIST), every member type (one LIST each), every member judged. */
  async scan(signal?: AbortSignal): Promise<{ bundles: number; members: number; unjudged: { bundle: string; reason: string }[] }> {
    const sig = signal ?? this.#ac.signal;
    const inv = await listObjects(this.#o.cluster, { apiVersion: 'v1', kind: 'ConfigMap', namespace: INVENTORY_NAMESPACE, labelSelector: INVENTORY_LABEL, signal: sig });
    await this.#enqueue(() => this.#applyInventories(inv.items, true, sig));
    const types = this.#types();
    await mapLimit([...types.values()], 4, async ({ apiVersion, kind }) => {
      const list = await listObjects(this.#o.cluster, { apiVersion, kind, labelSelector: this.#selector, signal: sig });
      await this.#enqueue(() => {
        const informer = this.#informerFor(apiVersion, kind);
        informer.replace(list.items);
        return this.#judgeType(informer, sig);
      });
    });
    this.stats.scans++;
    const entries = [...this.#bundles.values()].reduce((n, s) => n + (s.desired?.entries.length ?? 0), 0);
    return { bundles: this.running().length, members: entries, unjudged: [...this.#unjudged].map(([bundle, reason]) => ({ bundle, reason })) };
  }

  /** Starts the watches; resolves once every watch has listed and is streaming. */
  async start(): Promise<void> {
    this.#watching = true;
    this.#inventoryWatch = watchObjects(this.#o.cluster, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: INVENTORY_NAMESPACE,
      labelSelector: INVENTORY_LABEL,
      ...(this.#o.watchTimeoutSeconds ? { timeoutSeconds: this.#o.watchTimeoutSeconds } : {}),
      // Callbacks queue work and return at once: a watch never waits on the queue (which may be stopping it).
      onList: (items) => void this.#enqueue(() => this.#applyInventories(items, true, this.#ac.signal)),
      onEvent: (e) => void this.#enqueue(() => this.#applyInventories([e.object], false, this.#ac.signal, e.type === 'DELETED')),
      onError: (err) => this.#warn(`inventory watch: ${err.message}`),
      signal: this.#ac.signal,
    });
    await this.#inventoryWatch.ready;
    await this.#queue;
    await Promise.all([...this.#informers.values()].map((i) => i.ready));
    await this.#queue;
  }

  async stop(): Promise<void> {
    this.#watching = false;
    this.#ac.abort();
    for (const t of this.#confirming.values()) clearTimeout(t);
    if (this.#deferTimer) clearInterval(this.#deferTimer);
    this.#confirming.clear();
    await Promise.all([this.#inventoryWatch?.stop(), ...[...this.#informers.values()].map((i) => i.stop())]);
    this.#informers.clear();
    await this.#queue.catch(() => {});
  }

  /** Requests made by the watches so far: lists and watch (re)connections. */
  watchStats(): { lists: number; watches: number; events: number; gone: number; errors: number } {
    const all = [this.#inventoryWatch?.stats, ...[...this.#informers.values()].map((i) => i.stats)].filter((w) => w !== undefined);
    return all.reduce((a, w) => ({ lists: a.lists + w.lists, watches: a.watches + w.watches, events: a.events + w.events, gone: a.gone + w.gone, errors: a.errors + w.errors }), {
      lists: 0,
      watches: 0,
      events: 0,
      gone: 0,
      errors: 0,
    });
  }

  /** Runs state changes one at a time, in arrival order. */
  #enqueue(f: () => Promise<void> | void): Promise<void> {
    const next = this.#queue.then(f);
    this.#queue = next.catch((err) => this.#warn(toDroverError(err).message));
    return next;
  }

  #warn(message: string): void {
    if (this.#ac.signal.aborted) return;
    this.#o.onEvent?.({ phase: 'drift', subject: this.cluster, level: 'warn', message });
  }

  #types(): Map<string, { apiVersion: string; kind: string }> {
    const out = new Map<string, { apiVersion: string; kind: string }>();
    for (const s of this.#bundles.values()) for (const e of s.desired?.entries ?? []) out.set(typeKey(e.member.apiVersion, e.member.kind), { apiVersion: e.member.apiVersion, kind: e.member.kind });
    return out;
  }

  async #applyInventories(items: KubeObject[], full: boolean, signal: AbortSignal, deleted = false): Promise<void> {
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
        this.#warn(toDroverError(err).message);
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
        this.#warn(`${bundle}: not judged: ${message}`);
      }
    }
    if (full) for (const b of [...this.#bundles.keys()]) if (!seen.has(b)) this.#drop(b);
    this.#syncWatches();
  }

  #drop(bundle: string): void {
    if (!this.#bundles.delete(bundle)) return;
    this.#reindex();
    this.#o.onObservation({ type: 'gone', bundle, cluster: this.cluster });
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
      if (wasPending && !inv.pending) this.#judgeBundle(bundle, 'scan');
      return;
    }
    // Not judged until the new version's content is loaded: judging against the old one would be wrong.
    this.#bundles.set(bundle, { inventory: inv });
    this.#reindex();
    const members = await this.#o.loadDesired({ bundle, cluster: this.cluster, version: cur.version, digest: cur.digest, signal });
    const delegated = delegatedPaths(members.map((m) => m.object));
    const entries = members.map(({ object: desired, sensitive = false }) => ({ bundle, member: idOf(desired), desired, ignore: delegated.get(refKey(refOf(desired))) ?? [], sensitive }));
    this.#bundles.set(bundle, { inventory: inv, desired: { version: cur.version, digest: cur.digest, entries } });
    this.#reindex();
    this.#o.onObservation({ type: 'version', bundle, cluster: this.cluster, version: cur.version, digest: cur.digest, members: entries.map((e) => e.member) });
    this.#judgeBundle(bundle, 'scan');
  }

  #reindex(): void {
    this.#index.clear();
    for (const s of this.#bundles.values()) {
      for (const e of s.desired?.entries ?? []) {
        const k = memberKey(e.member);
        this.#index.set(k, [...(this.#index.get(k) ?? []), e]);
      }
    }
  }

  /** Starts a watch for every member type not watched yet; restarts them all when the set of bundles (the label selector) changed. */
  #syncWatches(): void {
    if (!this.#watching) {
      this.#selector = this.#selectorNow();
      return;
    }
    const selector = this.#selectorNow();
    const types = this.#types();
    const stale = [...this.#informers].filter(([k, i]) => selector !== this.#selector || !types.has(k) || !i.stats);
    this.#selector = selector;
    for (const [k, i] of stale) {
      this.#informers.delete(k);
      void i.stop();
    }
    for (const [k, t] of types) {
      if (this.#informers.has(k)) continue;
      this.stats.watches++;
      const informer = createInformer({ cluster: this.#o.cluster, apiVersion: t.apiVersion, kind: t.kind, labelSelector: selector });
      // Work a stopped informer queued before it stopped is dropped: its replacement lists afresh.
      const current = () => this.#informers.get(k) === informer;
      informer.watch({
        ...(this.#o.watchTimeoutSeconds ? { timeoutSeconds: this.#o.watchTimeoutSeconds } : {}),
        onList: () => void this.#enqueue(() => (current() ? this.#judgeType(informer, this.#ac.signal) : undefined)),
        onEvent: (e) => void this.#enqueue(() => (current() ? this.#onEvent(e) : undefined)),
        onError: (err) => this.#warn(`watch ${t.kind}: ${err.message}`),
        signal: this.#ac.signal,
      });
      this.#informers.set(k, informer);
    }
  }

  #selectorNow(): string {
    const names = [...this.#bundles.keys()].filter((b) => this.#bundles.get(b)!.desired).sort();
    return names.length ? `${BUNDLE_LABEL} in (${names.join(',')})` : BUNDLE_LABEL;
  }

  /** The informer of a type: the watched one, or (scanning without watches) one the scan fills. */
  #informerFor(apiVersion: string, kind: string): Informer {
    const k = typeKey(apiVersion, kind);
    let informer = this.#informers.get(k);
    if (!informer) this.#informers.set(k, (informer = createInformer({ cluster: this.#o.cluster, apiVersion, kind, labelSelector: this.#selector })));
    return informer;
  }

  /** Judges every member of the informer's type against its (just listed) objects. */
  async #judgeType(informer: Informer, signal: AbortSignal): Promise<void> {
    const k = typeKey(informer.apiVersion, informer.kind);
    const at = Date.now();
    const absent: Entry[] = [];
    for (const entries of this.#index.values()) {
      for (const e of entries) {
        if (typeKey(e.member.apiVersion, e.member.kind) !== k || !this.#judgeable(e.bundle)) continue;
        const live = informer.get(memberKey(e.member));
        if (live) this.#observe(e, live, 'scan', at);
        else absent.push(e);
      }
    }
    // Not listed: deleted, or its label was removed. One GET each tells which.
    await mapLimit(absent, 8, async (e) => {
      const live = await this.#get(e.member, signal);
      if (live) informer.set(memberKey(e.member), live);
      this.#observe(e, live, 'scan', at);
    });
  }

  #onEvent(e: WatchEvent): void {
    const entries = this.#index.get(keyOf(e.object));
    if (!entries) return;
    const at = Date.now();
    for (const entry of entries) {
      if (!this.#judgeable(entry.bundle)) continue;
      if (e.type === 'DELETED') this.#confirm(entry, 'watch', at);
      else this.#observe(entry, e.object, 'watch', at);
    }
  }

  #judgeable(bundle: string): boolean {
    const s = this.#bundles.get(bundle);
    return !!s?.desired && s.inventory.pending === null && !this.#o.isBusy?.(bundle, this.cluster);
  }

  #judgeBundle(bundle: string, by: 'scan'): void {
    if (!this.#judgeable(bundle)) {
      // A local release still holds it (it ends just after its last inventory write): judge once it lets go.
      if (this.#bundles.get(bundle)?.desired && this.#bundles.get(bundle)!.inventory.pending === null) this.#defer(bundle);
      return;
    }
    const at = Date.now();
    for (const e of this.#bundles.get(bundle)!.desired!.entries) {
      const informer = this.#informers.get(typeKey(e.member.apiVersion, e.member.kind));
      if (!informer?.synced) continue; // its type's watch has not listed yet; its first list judges it
      const live = informer.get(memberKey(e.member));
      if (live) this.#observe(e, live, by, at);
      else this.#confirm(e, by, at);
    }
  }

  #defer(bundle: string): void {
    this.#deferred.add(bundle);
    if (this.#deferTimer || this.#ac.signal.aborted) return;
    this.#deferTimer = setInterval(() => {
      void this.#enqueue(() => {
        for (const b of [...this.#deferred]) {
          const s = this.#bundles.get(b);
          if (!s?.desired || s.inventory.pending !== null) this.#deferred.delete(b);
          else if (this.#judgeable(b)) {
            this.#deferred.delete(b);
            this.#judgeBundle(b, 'scan');
          }
        }
        if (this.#deferred.size === 0 && this.#deferTimer) {
          clearInterval(this.#deferTimer);
          this.#deferTimer = undefined;
        }
      });
    }, 500);
  }

  /** Judges a member; a drift is reported only once confirmed on the newest copy. */
  #observe(e: Entry, live: KubeObject | null, by: DetectedBy, at: number): void {
    const s = this.#bundles.get(e.bundle)!;
    const drift = assessMember({ desired: e.desired, live, ignore: e.ignore, sensitive: e.sensitive });
    this.stats.judged++;
    if (drift && by === 'watch') return this.#confirm(e, by, at);
    this.#emit(e, s, drift, by, at);
  }

  #emit(e: Entry, s: BundleState, drift: ObjectDrift | null, by: DetectedBy, at: number): void {
    if (!s.desired) return;
    this.#o.onObservation({
      type: 'judged',
      bundle: e.bundle,
      cluster: this.cluster,
      version: s.desired.version,
      digest: s.desired.digest,
      member: e.member,
      ref: formatRef(refOf(e.desired)),
      drift,
      detectedBy: by,
      at,
    });
  }

  /** Judges the member again after `confirmMs` on the newest copy (a GET when it is not in the cache). */
  #confirm(e: Entry, by: DetectedBy, at: number): void {
    const key = `${e.bundle}\u0000${memberKey(e.member)}`;
    if (this.#confirming.has(key)) return;
    const timer = setTimeout(() => {
      void this.#enqueue(async () => {
        this.#confirming.delete(key);
        if (!this.#judgeable(e.bundle)) return;
        const s = this.#bundles.get(e.bundle)!;
        // The bundle may have moved to another version meanwhile; judge against what it should run now.
        const entry = s.desired?.entries.find((x) => memberKey(x.member) === memberKey(e.member));
        if (!entry) return;
        const live = this.#informers.get(typeKey(e.member.apiVersion, e.member.kind))?.get(memberKey(e.member)) ?? (await this.#get(e.member, this.#ac.signal));
        if (!this.#judgeable(e.bundle)) return;
        this.#emit(entry, s, assessMember({ desired: entry.desired, live, ignore: entry.ignore, sensitive: entry.sensitive }), by, at);
      });
    }, this.#o.confirmMs ?? 150);
    this.#confirming.set(key, timer);
  }

  async #get(m: ObjectId, signal: AbortSignal): Promise<KubeObject | null> {
    this.stats.confirmGets++;
    return getObject(this.#o.cluster, { apiVersion: m.apiVersion, kind: m.kind, namespace: m.namespace, name: m.name }, signal);
  }
}

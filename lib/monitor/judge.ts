/**
 * The judge on one cluster: a member's live copy against what its bundle's
 * version says it should be (lib/drift's `assessMember`), told to the owner
 * as an `Observation`. A member is judged only while its bundle is
 * judgeable: its version loaded, no release in flight in its inventory, and
 * no local release holding it (`isBusy`; judged once that release lets go,
 * as it ends just after its last inventory write). A drift seen on a watch
 * event, or a member not found, is confirmed `confirmMs` later on the newest
 * copy (the informers' cache, else one GET), so a release's writes seen just
 * before its inventory update never read as drift. It keeps no live objects
 * of its own beyond the members it had to GET because their label was
 * removed (no list or watch sees them), until their type is listed again.
 *
 * @example
 *   const judge = new Judge({ cluster, index, cached, onObservation, enqueue, signal });
 *   judge.judgeEvent({ type: 'MODIFIED', object });   // a watch saw a change
 *   await judge.judgeListed('apps/v1', 'Deployment', items, signal);
 */
import type { Cluster } from '../cluster/cluster.ts';
import { getObject } from '../cluster/get.ts';
import type { WatchEvent } from '../cluster/watch.ts';
import { assessMember, type ObjectDrift } from '../drift/assess.ts';
import type { DetectedBy, Observation } from '../drift/observation.ts';
import { formatRef, idOf, type KubeObject, type ObjectId, refKey, refOf } from '../object/ref.ts';
import { mapLimit } from '../foundation/map-limit.ts';
import { type IndexedMember, type InventoryIndex, typeKey } from './inventory-index.ts';

export interface JudgeStats {
  judged: number;
  confirmGets: number;
}

export interface JudgeOptions {
  cluster: Cluster;
  index: InventoryIndex;
  /** The newest copy of a member the informers hold; `listed` is false while its type has not been listed. */
  cached: (member: ObjectId) => { listed: boolean; live?: KubeObject };
  onObservation: (o: Observation) => void;
  /** True while a release of this process holds the bundle on this cluster. */
  isBusy?: (bundle: string, cluster: string) => boolean;
  confirmMs?: number;
  /** Runs work in the owner's order (timers fire into it). */
  enqueue: (f: () => Promise<void> | void) => Promise<void>;
  /** Aborted when the owner stops. */
  signal: AbortSignal;
}

export class Judge {
  readonly stats: JudgeStats = { judged: 0, confirmGets: 0 };
  #o: JudgeOptions;
  #confirming = new Map<string, ReturnType<typeof setTimeout>>();
  #deferred = new Set<string>();
  #deferTimer: ReturnType<typeof setInterval> | undefined;
  /** Type key -> members fetched by GET because no list had them, by member key. */
  #fetched = new Map<string, Map<string, KubeObject>>();

  constructor(opts: JudgeOptions) {
    this.#o = opts;
  }

  get #cluster(): string {
    return this.#o.cluster.name;
  }

  /** Every member of this type against a full list of it; a member not listed is deleted or unlabelled, and one GET each tells which. */
  async judgeListed(apiVersion: string, kind: string, items: KubeObject[], signal: AbortSignal): Promise<void> {
    const k = typeKey(apiVersion, kind);
    const listed = new Map(items.map((o) => [refKey(refOf(o)), o]));
    const fetched = new Map<string, KubeObject>();
    this.#fetched.set(k, fetched);
    const at = Date.now();
    const absent: IndexedMember[] = [];
    for (const e of this.#o.index.members()) {
      if (typeKey(e.member.apiVersion, e.member.kind) !== k || !this.#judgeable(e.bundle)) continue;
      const live = listed.get(refKey(e.member));
      if (live) this.#observe(e, live, 'scan', at);
      else absent.push(e);
    }
    await mapLimit(absent, 8, async (e) => {
      const live = await this.#get(e.member, signal);
      if (live) fetched.set(refKey(e.member), live);
      this.#observe(e, live, 'scan', at);
    });
  }

  /** A watch event on an object of a watched type. */
  judgeEvent(e: WatchEvent): void {
    const member = idOf(e.object);
    this.#fetched.get(typeKey(member.apiVersion, member.kind))?.delete(refKey(member));
    const entries = this.#o.index.ownersOf(member);
    const at = Date.now();
    for (const entry of entries) {
      if (!this.#judgeable(entry.bundle)) continue;
      if (e.type === 'DELETED') this.#confirm(entry, 'watch', at);
      else this.#observe(entry, e.object, 'watch', at);
    }
  }

  /** Every member of a bundle from the cache (its version loaded, a release ended). */
  judgeBundle(bundle: string): void {
    if (!this.#judgeable(bundle)) {
      // A local release still holds it (it ends just after its last inventory write): judge once it lets go.
      const v = this.#o.index.loaded(bundle);
      if (v && !v.pending) this.#defer(bundle);
      return;
    }
    const at = Date.now();
    for (const e of this.#o.index.loaded(bundle)!.members) {
      const { listed, live } = this.#live(e.member);
      if (!listed) continue; // its type has not been listed yet; its first list judges it
      if (live) this.#observe(e, live, 'scan', at);
      else this.#confirm(e, 'scan', at);
    }
  }

  /** The members fetched for a type are moot (its informer was replaced). */
  forgetType(apiVersion: string, kind: string): void {
    this.#fetched.delete(typeKey(apiVersion, kind));
  }

  /** Cancels pending confirmations and deferred judging. */
  stop(): void {
    for (const t of this.#confirming.values()) clearTimeout(t);
    if (this.#deferTimer) clearInterval(this.#deferTimer);
    this.#confirming.clear();
  }

  #live(member: ObjectId): { listed: boolean; live?: KubeObject } {
    const c = this.#o.cached(member);
    if (!c.listed || c.live) return c;
    const fetched = this.#fetched.get(typeKey(member.apiVersion, member.kind))?.get(refKey(member));
    return fetched ? { listed: true, live: fetched } : c;
  }

  #judgeable(bundle: string): boolean {
    const v = this.#o.index.loaded(bundle);
    return !!v && !v.pending && !this.#o.isBusy?.(bundle, this.#cluster);
  }

  #defer(bundle: string): void {
    this.#deferred.add(bundle);
    if (this.#deferTimer || this.#o.signal.aborted) return;
    this.#deferTimer = setInterval(() => {
      void this.#o.enqueue(() => {
        for (const b of [...this.#deferred]) {
          const v = this.#o.index.loaded(b);
          if (!v || v.pending) this.#deferred.delete(b);
          else if (this.#judgeable(b)) {
            this.#deferred.delete(b);
            this.judgeBundle(b);
          }
        }
        if (this.#deferred.size === 0 && this.#deferTimer) {
          clearInterval(this.#deferTimer);
          this.#deferTimer = undefined;
        }
      });
    }, 500);
  }

  /** Judges a member; a drift seen on a watch is reported only once confirmed on the newest copy. */
  #observe(e: IndexedMember, live: KubeObject | null, by: DetectedBy, at: number): void {
    const drift = assessMember({ desired: e.desired, live, ignore: e.ignore, sensitive: e.sensitive });
    this.stats.judged++;
    if (drift && by === 'watch') return this.#confirm(e, by, at);
    this.#emit(e, drift, by, at);
  }

  #emit(e: IndexedMember, drift: ObjectDrift | null, by: DetectedBy, at: number): void {
    const v = this.#o.index.loaded(e.bundle);
    if (!v) return;
    this.#o.onObservation({
      type: 'judged',
      bundle: e.bundle,
      cluster: this.#cluster,
      version: v.version,
      digest: v.digest,
      member: e.member,
      ref: formatRef(refOf(e.desired)),
      drift,
      detectedBy: by,
      at,
    });
  }

  /** Judges the member again after `confirmMs` on the newest copy (a GET when it is not in the cache). */
  #confirm(e: IndexedMember, by: DetectedBy, at: number): void {
    const key = `${e.bundle}\u0000${refKey(e.member)}`;
    if (this.#confirming.has(key)) return;
    const timer = setTimeout(() => {
      void this.#o.enqueue(async () => {
        this.#confirming.delete(key);
        if (!this.#judgeable(e.bundle)) return;
        // The bundle may have moved to another version meanwhile; judge against what it should run now.
        const entry = this.#o.index.loaded(e.bundle)?.members.find((x) => refKey(x.member) === refKey(e.member));
        if (!entry) return;
        const live = this.#live(e.member).live ?? (await this.#get(e.member, this.#o.signal));
        if (!this.#judgeable(e.bundle)) return;
        this.#emit(
          entry,
          assessMember({ desired: entry.desired, live, ignore: entry.ignore, sensitive: entry.sensitive }),
          by,
          at,
        );
      });
    }, this.#o.confirmMs ?? 150);
    this.#confirming.set(key, timer);
  }

  async #get(m: ObjectId, signal: AbortSignal): Promise<KubeObject | null> {
    this.stats.confirmGets++;
    return getObject(
      this.#o.cluster,
      { apiVersion: m.apiVersion, kind: m.kind, namespace: m.namespace, name: m.name },
      signal,
    );
  }
}

/**
 * Drift detection on one cluster, put together: an informer on the
 * inventory ConfigMaps feeds the inventory index (which bundles run here, at
 * which version, with which members); one informer per member type across
 * the cluster, selecting Drover's objects by the `drover.dev/bundle` label,
 * feeds the judge, which judges every event at once. A full scan (one LIST
 * per type) catches what a watch missed. At rest it sends no request at all;
 * a GET is sent only to tell a deleted member from one whose label was
 * removed. Verdicts go to `onObservation`; nothing here writes state. Work
 * from the watches and the judge's timers runs one piece at a time, in
 * arrival order, so the index and the judge never see a half-applied change.
 *
 * @example
 *   const m = new ClusterMonitor({ cluster, tracks: (b) => b === 'web', loadDesired, onObservation });
 *   await m.start();   // or: await m.scan() for a one-shot check
 *   ...
 *   await m.stop();
 */
import type { Cluster } from '../cluster/cluster.ts';
import { createInformer, type Informer } from '../cluster/informer.ts';
import type { Observation } from '../drift/observation.ts';
import { toDroverError } from '../errors/errors.ts';
import type { KubeObject, ObjectId } from '../object/ref.ts';
import type { OnEvent } from '../progress.ts';
import { INVENTORY_LABEL } from '../bundle/member-namespaces.ts';
import { INVENTORY_NAMESPACE } from '../release/inventory.ts';
import { BUNDLE_LABEL } from '../release/ownership.ts';
import { mapLimit } from '../foundation/map-limit.ts';
import {
  type DesiredMember,
  type IndexChange,
  InventoryIndex,
  type LoadDesiredArgs,
  typeKey,
} from './inventory-index.ts';
import { Judge } from './judge.ts';

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

export interface MonitorStats {
  judged: number;
  confirmGets: number;
  scans: number;
  watches: number;
}

export class ClusterMonitor {
  #o: ClusterMonitorOptions;
  #ac = new AbortController();
  #index: InventoryIndex;
  #judge: Judge;
  #inventories: Informer;
  /** Type key -> the informer on that member type, and whether its watch was started. */
  #informers = new Map<string, { informer: Informer; started: boolean }>();
  #queue: Promise<void> = Promise.resolve();
  #watching = false;
  #scans = 0;
  #watches = 0;

  constructor(opts: ClusterMonitorOptions) {
    this.#o = opts;
    this.#index = new InventoryIndex({
      cluster: opts.cluster.name,
      tracks: opts.tracks,
      loadDesired: opts.loadDesired,
      onChange: (c) => this.#onIndexChange(c),
      onWarn: (m) => this.#warn(m),
    });
    this.#judge = new Judge({
      cluster: opts.cluster,
      index: this.#index,
      cached: (m) => this.#cached(m),
      onObservation: opts.onObservation,
      ...(opts.isBusy ? { isBusy: opts.isBusy } : {}),
      ...(opts.confirmMs !== undefined ? { confirmMs: opts.confirmMs } : {}),
      enqueue: (f) => this.#enqueue(f),
      signal: this.#ac.signal,
    });
    this.#inventories = createInformer(opts.cluster, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: INVENTORY_NAMESPACE,
      labelSelector: INVENTORY_LABEL,
      ...(opts.watchTimeoutSeconds ? { timeoutSeconds: opts.watchTimeoutSeconds } : {}),
      // Callbacks queue work and return at once: a watch never waits on the queue (which may be stopping it).
      onList: (items) =>
        void this.#enqueue(() => this.#applyInventories(items, { full: true, signal: this.#ac.signal })),
      onEvent: (e) =>
        void this.#enqueue(() =>
          this.#applyInventories([e.object], { full: false, deleted: e.type === 'DELETED', signal: this.#ac.signal }),
        ),
      onError: (err) => this.#warn(`inventory watch: ${err.message}`),
      signal: this.#ac.signal,
    });
  }

  get cluster(): string {
    return this.#o.cluster.name;
  }

  get stats(): MonitorStats {
    return { ...this.#judge.stats, scans: this.#scans, watches: this.#watches };
  }

  /** Bundles judged on this cluster now, with the version each should run. */
  running(): { bundle: string; version: string; digest: string; pending: boolean }[] {
    return this.#index.running();
  }

  /** Bundles whose inventory is on this cluster (judged or not: loading, release in flight, content unavailable). */
  present(): string[] {
    return this.#index.present();
  }

  /** A member as loaded for the version the cluster should run, with what judging it takes. */
  desiredOf(bundle: string, ref: string): { desired: KubeObject; ignore: string[]; sensitive: boolean } | undefined {
    return this.#index.desiredOf(bundle, ref);
  }

  /** One full pass: every inventory (one LIST), every member type (one LIST each), every member judged. */
  async scan(
    signal?: AbortSignal,
  ): Promise<{ bundles: number; members: number; unjudged: { bundle: string; reason: string }[] }> {
    const sig = signal ?? this.#ac.signal;
    const inv = await this.#inventories.relist(sig);
    await this.#enqueue(() => this.#applyInventories(inv, { full: true, signal: sig }));
    await mapLimit([...this.#informers.values()], 4, async ({ informer }) => {
      const items = await informer.relist(sig);
      await this.#enqueue(() => this.#judge.judgeListed(informer.apiVersion, informer.kind, items, sig));
    });
    this.#scans++;
    return { bundles: this.running().length, members: this.#index.memberCount(), unjudged: this.#index.unjudged() };
  }

  /** Starts the watches; resolves once every watch has listed and is streaming. */
  async start(): Promise<void> {
    this.#watching = true;
    await this.#inventories.start();
    await this.#queue;
    // Listing the inventories started a watch on every member type (`#syncInformers`); start() only waits for them.
    await Promise.all([...this.#informers.values()].filter((i) => i.started).map(({ informer }) => informer.start()));
    await this.#queue;
  }

  async stop(): Promise<void> {
    this.#watching = false;
    this.#ac.abort();
    this.#judge.stop();
    await Promise.all([
      this.#inventories.stop(),
      ...[...this.#informers.values()].map(({ informer }) => informer.stop()),
    ]);
    this.#informers.clear();
    await this.#queue.catch(() => {});
  }

  /** Requests made by the watches so far: lists and watch (re)connections. */
  watchStats(): { lists: number; watches: number; events: number; gone: number; errors: number } {
    const all = [this.#inventories, ...[...this.#informers.values()].map((i) => i.informer)].map((i) => i.stats());
    return all.reduce(
      (a, w) => ({
        lists: a.lists + w.lists,
        watches: a.watches + w.watches,
        events: a.events + w.events,
        gone: a.gone + w.gone,
        errors: a.errors + w.errors,
      }),
      {
        lists: 0,
        watches: 0,
        events: 0,
        gone: 0,
        errors: 0,
      },
    );
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

  async #applyInventories(
    items: KubeObject[],
    opts: { full: boolean; deleted?: boolean; signal: AbortSignal },
  ): Promise<void> {
    await this.#index.apply(items, opts);
    this.#syncInformers();
  }

  #onIndexChange(c: IndexChange): void {
    if (c.type === 'gone') return this.#o.onObservation({ type: 'gone', bundle: c.bundle, cluster: this.cluster });
    if (c.type === 'version')
      this.#o.onObservation({
        type: 'version',
        bundle: c.bundle,
        cluster: this.cluster,
        version: c.version,
        digest: c.digest,
        members: c.members,
      });
    this.#judge.judgeBundle(c.bundle);
  }

  #cached(m: ObjectId): { listed: boolean; live?: KubeObject } {
    const informer = this.#informers.get(typeKey(m.apiVersion, m.kind))?.informer;
    if (!informer?.synced) return { listed: false };
    const live = informer.get(m);
    return live ? { listed: true, live } : { listed: true };
  }

  /**
   * An informer for every member type, on the label selector of the bundles
   * judged now: the ones of types no longer needed go, and all are replaced
   * when the set of bundles (the selector) changed. Their watches run only
   * once `start()` was called; a one-shot scan only relists them.
   */
  #syncInformers(): void {
    const selector = this.#selectorNow();
    const types = this.#index.types();
    for (const [k, { informer }] of [...this.#informers]) {
      if (informer.labelSelector === selector && types.has(k)) continue;
      this.#informers.delete(k);
      this.#judge.forgetType(informer.apiVersion, informer.kind);
      void informer.stop();
    }
    for (const [k, t] of types) {
      let entry = this.#informers.get(k);
      if (!entry) {
        // Work a replaced informer queued before it was replaced is dropped: its successor lists afresh.
        const current = () => this.#informers.get(k)?.informer === informer;
        const informer: Informer = createInformer(this.#o.cluster, {
          apiVersion: t.apiVersion,
          kind: t.kind,
          labelSelector: selector,
          ...(this.#o.watchTimeoutSeconds ? { timeoutSeconds: this.#o.watchTimeoutSeconds } : {}),
          onList: (items) =>
            void this.#enqueue(() =>
              current() ? this.#judge.judgeListed(t.apiVersion, t.kind, items, this.#ac.signal) : undefined,
            ),
          onEvent: (e) => void this.#enqueue(() => (current() ? this.#judge.judgeEvent(e) : undefined)),
          onError: (err) => this.#warn(`watch ${t.kind}: ${err.message}`),
          signal: this.#ac.signal,
        });
        entry = { informer, started: false };
        this.#informers.set(k, entry);
      }
      if (this.#watching && !entry.started) {
        entry.started = true;
        this.#watches++;
        void entry.informer.start();
      }
    }
  }

  #selectorNow(): string {
    const names = this.#index
      .running()
      .map((r) => r.bundle)
      .sort();
    return names.length ? `${BUNDLE_LABEL} in (${names.join(',')})` : BUNDLE_LABEL;
  }
}

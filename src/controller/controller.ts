// A Controller: a queue fed by informer events (primary kind and owned kinds) and a periodic resync, drained by N
// workers that run a level-triggered `reconcile(key)` and turn its Result into queue actions.
import { performance } from "node:perf_hooks";
import type { KubernetesObject } from "../kube/client.ts";
import type { Clock } from "./clock.ts";
import type { ResilientInformer } from "./informer.ts";
import { objectKey } from "./keys.ts";
import { LEADERSHIP_LOST } from "./leader.ts";
import { type Logger, newReconcileId } from "./log.ts";
import type { ControllerMetrics } from "./metrics.ts";
import { type OwnerMatch, ownerKeys } from "./owner.ts";
import { WorkQueue } from "./queue.ts";
import { applyResult, DEFAULT_RESULT_POLICY, type Outcome, type Result, type ResultPolicy } from "./result.ts";

export type ReconcileContext = {
  reconcileId: string;
  log: Logger;
  /**
   * Aborts when the leader lease is lost (at once) or when a shutdown drain runs out of time; on a requested stop
   * passes normally finish what they started. Steps hand it to every Kubernetes and FaunaDB call.
   */
  signal: AbortSignal;
};

export type Reconciler = (key: string, ctx: ReconcileContext) => Promise<Result>;

export type ControllerOptions = {
  name: string;
  reconcile: Reconciler;
  clock: Clock;
  log: Logger;
  metrics: ControllerMetrics;
  workers?: number | undefined;
  /** Every primary object is queued this often even without events (level-triggered safety net). */
  resyncPeriodMs?: number | undefined;
  policy?: ResultPolicy | undefined;
  /** How long a shutdown waits for passes in flight before aborting their signal. */
  drainTimeoutMs?: number | undefined;
};

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  readonly #o: ControllerOptions;
  readonly #informers: ResilientInformer<KubernetesObject>[] = [];
  /** One informer per watched namespace (or one for all namespaces). */
  readonly #primaries: ResilientInformer<KubernetesObject>[] = [];

  constructor(o: ControllerOptions) {
    this.name = o.name;
    this.#o = o;
    this.queue = new WorkQueue({ clock: o.clock, metrics: o.metrics.queue(o.name) });
  }

  /**
   * Events on the primary kind queue the object's own key, except updates that leave its intent unchanged: every
   * pass writes status, and requeueing on that write would run the next pass at once instead of after the
   * requeueAfter the pass asked for (controller-runtime's GenerationChangedPredicate, widened to the metadata a
   * reconciler reads). Called once per watched namespace when the operator watches several.
   */
  watchPrimary<T extends KubernetesObject>(informer: ResilientInformer<T>): this {
    const seen = new Map<string, string>();
    const enqueue = (obj: T) => {
      const key = objectKey(obj);
      if (!key) return;
      seen.set(key, intentOf(obj));
      this.queue.add(key);
    };
    const update = (obj: T) => {
      const key = objectKey(obj);
      if (key && seen.get(key) !== intentOf(obj)) enqueue(obj);
    };
    const remove = (obj: T) => {
      const key = objectKey(obj);
      if (!key) return;
      seen.delete(key);
      this.queue.add(key);
    };
    informer.on({ add: enqueue, update, delete: remove });
    const primary = informer as unknown as ResilientInformer<KubernetesObject>;
    this.#primaries.push(primary);
    this.#informers.push(primary);
    return this;
  }

  /** Events on an owned kind queue the owner's key (controller ownerReference + managed-by label). */
  watchOwned<T extends KubernetesObject>(informer: ResilientInformer<T>, match: OwnerMatch): this {
    const enqueue = (obj: T) => {
      for (const key of ownerKeys(obj, match)) this.queue.add(key);
    };
    informer.on({ add: enqueue, update: enqueue, delete: enqueue });
    this.#informers.push(informer as unknown as ResilientInformer<KubernetesObject>);
    return this;
  }

  get hasSynced(): boolean {
    return this.#informers.every((i) => i.hasSynced);
  }

  /** Runs the workers until `signal` aborts, then drains: passes in flight finish, nothing new starts. */
  async run(signal: AbortSignal): Promise<void> {
    const log = this.#o.log.child({ controller: this.name });
    const synced = await Promise.all(this.#informers.map((i) => i.waitForSync(signal)));
    if (!synced.every(Boolean)) return;
    log.info({ workers: this.#o.workers ?? 1 }, "caches synced, starting workers");
    const hardStop = new AbortController();
    const resync = this.#resyncLoop(signal);
    const workers = Array.from({ length: this.#o.workers ?? 1 }, () => this.#worker(hardStop.signal, log));
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
    const drained = this.queue.drain();
    if (signal.reason === LEADERSHIP_LOST) {
      log.warn({ inFlight: this.queue.inFlight }, "leader lease lost: cancelling passes in flight");
      hardStop.abort(LEADERSHIP_LOST);
    } else {
      log.info({ inFlight: this.queue.inFlight }, "stopping: draining passes in flight");
    }
    const timeout = new AbortController();
    const timedOut = this.#o.clock
      .sleep(this.#o.drainTimeoutMs ?? 25_000, timeout.signal)
      .then(() => !timeout.signal.aborted);
    if (await Promise.race([drained.then(() => false), timedOut])) {
      log.warn("drain timed out: aborting passes in flight");
      hardStop.abort();
    }
    await drained;
    timeout.abort();
    await Promise.all([...workers, resync]);
    log.info("stopped");
  }

  /** Queues every object of the primary kind; runs once at start too, so a new leader looks at everything. */
  resyncAll(): void {
    for (const obj of this.#primaries.flatMap((p) => p.list())) {
      const key = objectKey(obj);
      if (key) this.queue.add(key);
    }
  }

  async #resyncLoop(signal: AbortSignal): Promise<void> {
    this.resyncAll();
    const period = this.#o.resyncPeriodMs ?? 10 * 60_000;
    while (!signal.aborted) {
      await this.#o.clock.sleep(period, signal);
      if (!signal.aborted) this.resyncAll();
    }
  }

  async #worker(hardStop: AbortSignal, log: Logger): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.processOne(key, hardStop, log);
      } finally {
        this.queue.done(key);
      }
    }
  }

  /** One pass for `key`: anything thrown becomes an error Result, so a bug cannot kill a worker. */
  async processOne(key: string, signal: AbortSignal, log: Logger): Promise<Outcome> {
    const reconcileId = newReconcileId();
    const passLog = log.child({ key, reconcileId });
    const started = performance.now();
    this.#o.metrics.activeWorkers(this.name, 1);
    let result: Result;
    try {
      result = await this.#o.reconcile(key, { reconcileId, log: passLog, signal });
    } catch (err) {
      result = { kind: "error", error: err };
    } finally {
      this.#o.metrics.activeWorkers(this.name, -1);
    }
    const outcome = applyResult(this.queue, key, result, this.#o.policy ?? DEFAULT_RESULT_POLICY);
    const seconds = (performance.now() - started) / 1000;
    this.#o.metrics.reconciled(this.name, outcome, seconds);
    if (result.kind === "error") {
      passLog.error({ err: result.error, outcome, retries: this.queue.retries(key) }, "reconcile failed");
    } else {
      passLog.debug({ outcome, ms: Math.round(seconds * 1000) }, "reconciled");
    }
    return outcome;
  }
}

/** The parts of an object that are the user's (or another controller's) intent, as opposed to its status. */
function intentOf(obj: KubernetesObject): string {
  const m = obj.metadata ?? {};
  return JSON.stringify([m.generation ?? null, m.deletionTimestamp ?? null, m.labels ?? {}, m.annotations ?? {}, m.finalizers ?? []]);
}

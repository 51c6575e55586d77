// A de-duplicating per-key work queue with controller-runtime's guarantees (STYLE idiom 13):
// - a key waiting in the queue is stored once, however often it is added;
// - a key is handed to at most one worker at a time;
// - a key added while a worker holds it runs once more after `done`;
// - `addRateLimited` waits 5 ms·2^n (to 1000 s) per key until `forget`;
// - `addAfter` keeps the earliest pending deadline per key;
// - `shutdown` stops handing out keys; `drain` waits for the keys in flight.
import { ItemBackoff } from "./backoff.ts";
import type { Clock } from "./clock.ts";

export type QueueMetrics = {
  depth(n: number): void;
  added(): void;
  retried(): void;
};

export type WorkQueueOptions = {
  clock: Clock;
  backoff?: ItemBackoff | undefined;
  metrics?: QueueMetrics | undefined;
};

type Delayed = { readyAt: number; cancel: AbortController };

export class WorkQueue {
  readonly #clock: Clock;
  readonly #backoff: ItemBackoff;
  readonly #metrics: QueueMetrics | undefined;
  #ready: string[] = [];
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #delayed = new Map<string, Delayed>();
  #getters: ((key: string | undefined) => void)[] = [];
  #drainers: (() => void)[] = [];
  #shuttingDown = false;

  constructor(o: WorkQueueOptions) {
    this.#clock = o.clock;
    this.#backoff = o.backoff ?? new ItemBackoff();
    this.#metrics = o.metrics;
  }

  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#metrics?.added();
    this.#dirty.add(key);
    if (this.#processing.has(key)) return; // `done` puts it back
    this.#push(key);
  }

  addAfter(key: string, ms: number): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const readyAt = this.#clock.now() + ms;
    const pending = this.#delayed.get(key);
    if (pending && pending.readyAt <= readyAt) return;
    pending?.cancel.abort();
    const entry: Delayed = { readyAt, cancel: new AbortController() };
    this.#delayed.set(key, entry);
    void this.#clock.sleep(ms, entry.cancel.signal).then(() => {
      if (entry.cancel.signal.aborted || this.#delayed.get(key) !== entry) return;
      this.#delayed.delete(key);
      this.add(key);
    });
  }

  /** Re-adds `key` after its next backoff step; returns that delay. */
  addRateLimited(key: string): number {
    const delay = this.#backoff.next(key);
    this.#metrics?.retried();
    this.addAfter(key, delay);
    return delay;
  }

  /** Resets `key`'s backoff: call after a successful pass. */
  forget(key: string): void {
    this.#backoff.forget(key);
  }

  retries(key: string): number {
    return this.#backoff.retries(key);
  }

  /** The next key to process, or `undefined` once the queue is shut down. Pair every key with `done`. */
  get(): Promise<string | undefined> {
    if (this.#shuttingDown) return Promise.resolve(undefined);
    const key = this.#ready.shift();
    if (key !== undefined) return Promise.resolve(this.#take(key));
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.has(key) && !this.#shuttingDown) this.#push(key);
    if (this.#processing.size === 0) for (const d of this.#drainers.splice(0)) d();
  }

  /** Keys waiting to be handed out (not counting delayed ones or ones in flight). */
  get length(): number {
    return this.#ready.length;
  }

  get inFlight(): number {
    return this.#processing.size;
  }

  /** Keys scheduled by `addAfter`/`addRateLimited` that are not ready yet. */
  get delayedCount(): number {
    return this.#delayed.size;
  }

  get isShuttingDown(): boolean {
    return this.#shuttingDown;
  }

  shutdown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    for (const d of this.#delayed.values()) d.cancel.abort();
    this.#delayed.clear();
    for (const g of this.#getters.splice(0)) g(undefined);
  }

  /** Shuts down and resolves once every key handed out has been marked `done`. */
  async drain(): Promise<void> {
    this.shutdown();
    if (this.#processing.size === 0) return;
    await new Promise<void>((resolve) => this.#drainers.push(resolve));
  }

  #push(key: string): void {
    const getter = this.#getters.shift();
    if (getter) {
      getter(this.#take(key));
      return;
    }
    this.#ready.push(key);
    this.#metrics?.depth(this.#ready.length);
  }

  #take(key: string): string {
    this.#processing.add(key);
    this.#dirty.delete(key);
    this.#metrics?.depth(this.#ready.length);
    return key;
  }
}

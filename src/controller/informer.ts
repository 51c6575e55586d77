// Keeps a client-node ListWatch alive: it relists on 410 Gone by itself but stops for good on any other error
// (client-node src/cache.ts doneHandler), so this restarts it with backoff and tracks whether its cache has synced.
import type { KubernetesObject } from "../kube/client.ts";
import type { ListWatchCache } from "../kube/watch.ts";
import { Backoff, type BackoffOptions } from "./backoff.ts";
import type { Clock } from "./clock.ts";

export type InformerHandlers<T> = {
  add?: (obj: T) => void;
  update?: (obj: T) => void;
  delete?: (obj: T) => void;
};

export type ResilientInformerOptions<T extends KubernetesObject> = {
  /** For logs and metrics, e.g. `statefulsets.apps`. */
  name: string;
  cache: ListWatchCache<T>;
  clock: Clock;
  backoff?: BackoffOptions | undefined;
  onRestart?: ((err: unknown, delayMs: number) => void) | undefined;
};

export const INFORMER_RESTART_BACKOFF: BackoffOptions = { baseMs: 1_000, maxMs: 30_000 };

export class ResilientInformer<T extends KubernetesObject> {
  readonly name: string;
  readonly #o: ResilientInformerOptions<T>;
  readonly #backoff: Backoff;
  #synced = false;
  #syncWaiters: (() => void)[] = [];
  #failure: ((err: unknown) => void) | undefined;
  #failedThisRound = false;

  constructor(o: ResilientInformerOptions<T>) {
    this.name = o.name;
    this.#o = o;
    this.#backoff = new Backoff(o.backoff ?? INFORMER_RESTART_BACKOFF);
    o.cache.on("error", (err?: unknown) => {
      this.#failedThisRound = true;
      this.#failure?.(err);
    });
  }

  on(h: InformerHandlers<T>): void {
    if (h.add) this.#o.cache.on("add", h.add);
    if (h.update) this.#o.cache.on("update", h.update);
    if (h.delete) this.#o.cache.on("delete", h.delete);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.#o.cache.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.#o.cache.list(namespace);
  }

  /** True once a list has filled the cache; stays true across restarts (the cache keeps its contents). */
  get hasSynced(): boolean {
    return this.#synced;
  }

  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.#synced) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onAbort = () => resolve(false);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#syncWaiters.push(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve(true);
      });
    });
  }

  /** Runs until `signal` aborts, restarting the watch after every error. */
  async run(signal: AbortSignal): Promise<void> {
    const aborted = new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
    while (!signal.aborted) {
      this.#failedThisRound = false;
      const failed = new Promise<unknown>((resolve) => (this.#failure = resolve));
      await this.#o.cache.start();
      if (!this.#failedThisRound) {
        this.#markSynced();
        this.#backoff.reset();
      }
      const err = await Promise.race([failed, aborted.then(() => undefined)]);
      this.#failure = undefined;
      if (signal.aborted) break;
      const delay = this.#backoff.next();
      this.#o.onRestart?.(err, delay);
      await this.#o.cache.stop();
      await this.#o.clock.sleep(delay, signal);
    }
    await this.#o.cache.stop();
  }

  #markSynced(): void {
    if (this.#synced) return;
    this.#synced = true;
    for (const w of this.#syncWaiters.splice(0)) w();
  }
}

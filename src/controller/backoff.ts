// Exponential backoff: per item for the work queue (controller-runtime's 5 ms .. 1000 s), and a plain one for
// restarting informers.

export type BackoffOptions = { baseMs: number; maxMs: number };

export const QUEUE_BACKOFF: BackoffOptions = { baseMs: 5, maxMs: 1_000_000 };

export function backoffDelay(failures: number, o: BackoffOptions): number {
  // 2^failures overflows to Infinity long after it passes any cap, so Math.min still gives maxMs.
  return Math.min(o.baseMs * 2 ** failures, o.maxMs);
}

/** Counts failures per key: the n-th consecutive failure waits base·2^(n-1), until `forget`. */
export class ItemBackoff {
  readonly #failures = new Map<string, number>();
  readonly #o: BackoffOptions;

  constructor(o: BackoffOptions = QUEUE_BACKOFF) {
    this.#o = o;
  }

  /** Records one more failure for `key` and returns how long to wait before retrying it. */
  next(key: string): number {
    const n = this.#failures.get(key) ?? 0;
    this.#failures.set(key, n + 1);
    return backoffDelay(n, this.#o);
  }

  retries(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }
}

/** A single backoff that grows on failure and resets on success (informer restarts, lease retries). */
export class Backoff {
  #failures = 0;
  readonly #o: BackoffOptions;
  readonly #jitter: () => number;

  /** `jitter` returns a factor in [0, 1); the delay is stretched by up to 20 % of it so replicas spread out. */
  constructor(o: BackoffOptions, jitter: () => number = Math.random) {
    this.#o = o;
    this.#jitter = jitter;
  }

  next(): number {
    const d = backoffDelay(this.#failures++, this.#o);
    return Math.min(this.#o.maxMs, Math.round(d * (1 + 0.2 * this.#jitter())));
  }

  reset(): void {
    this.#failures = 0;
  }
}

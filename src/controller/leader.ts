// Lease leader election, client-go's algorithm with controller-runtime's timings (15 s lease, 10 s renew deadline,
// 2 s retry). Expiry is judged by the local clock from when this replica last saw the record change, never by
// comparing the holder's renewTime with our clock, so clock skew between replicas cannot steal a live lease.
import type { Clock } from "./clock.ts";

export type LeaseRecord = {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: string;
  renewTime: string;
  leaseTransitions: number;
};

export type StoredLease = { record: LeaseRecord; version: string };

/** The few operations election needs; kube/ implements it on coordination.k8s.io/v1 Leases, tests in memory. */
export interface LeaseStore {
  readonly description: string;
  get(signal?: AbortSignal): Promise<StoredLease | undefined>;
  /** Fails when the lease already exists. */
  create(record: LeaseRecord, signal?: AbortSignal): Promise<StoredLease>;
  /** Fails when `version` is stale. */
  update(record: LeaseRecord, version: string, signal?: AbortSignal): Promise<StoredLease>;
}

export type ElectionTimings = { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number };

export const DEFAULT_TIMINGS: ElectionTimings = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

export type ElectionEvents = {
  onStartedLeading?: () => void;
  onStoppedLeading?: () => void;
  onNewLeader?: (identity: string) => void;
  onAttemptFailed?: (err: unknown) => void;
};

export type LeaderElectorOptions = {
  identity: string;
  store: LeaseStore;
  clock: Clock;
  timings?: ElectionTimings | undefined;
  /**
   * Returns [0, 1): a standby's attempts wait retryPeriod·(0.5 + 0.5·jitter), so a released lease is taken within
   * one retry period (client-go's JitterUntil waits retryPeriod·(1 + 1.2·jitter), up to 2.2 periods, issue 14). An
   * attempt of a standby is one GET: twice as many of them cost the API server little.
   */
  jitter?: (() => number) | undefined;
};

export type ElectionOutcome = "stopped" | "lost";

/** A write refused because this replica no longer (surely) holds the lease. */
export class NotLeaderError extends Error {
  constructor(what = "write") {
    super(`${what} refused: this replica no longer holds the leader lease (fenced)`);
    this.name = "NotLeaderError";
  }
}

/** The abort reason the manager gives its leader-only runnables when the lease is lost: stop now, do not drain. */
export const LEADERSHIP_LOST = "leadership-lost";

export class LeaderElector {
  readonly identity: string;
  readonly #store: LeaseStore;
  readonly #clock: Clock;
  readonly #t: ElectionTimings;
  readonly #jitter: () => number;
  #observed: StoredLease | undefined;
  #observedAt = 0;
  #leader = false;
  #lastLeader = "";
  /** When the last successful renewal was SENT: others may take over leaseDuration after it, we stop at renewDeadline. */
  #renewedAt = 0;

  constructor(o: LeaderElectorOptions) {
    if (o.timings && !(o.timings.leaseDurationMs > o.timings.renewDeadlineMs && o.timings.renewDeadlineMs > o.timings.retryPeriodMs)) {
      throw new Error("leader election needs leaseDuration > renewDeadline > retryPeriod");
    }
    this.identity = o.identity;
    this.#store = o.store;
    this.#clock = o.clock;
    this.#t = o.timings ?? DEFAULT_TIMINGS;
    this.#jitter = o.jitter ?? Math.random;
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  /**
   * Fencing (issue 10): whether this replica may still write. True only while it leads AND its last successful
   * renewal was sent less than renewDeadline ago — a leader frozen (SIGSTOP, a long GC) past its lease learns it
   * lost it only on its next renewal attempt, but its writes are refused from the moment the deadline passed.
   */
  mayWrite(now = this.#clock.now()): boolean {
    return this.#leader && now - this.#renewedAt < this.#t.renewDeadlineMs;
  }

  /**
   * Campaigns until it holds the lease, then renews it until `signal` aborts ("stopped", after releasing the
   * lease so a successor takes over at once) or a renewal misses the deadline ("lost": stop working now).
   */
  async run(signal: AbortSignal, events: ElectionEvents = {}): Promise<ElectionOutcome> {
    while (!signal.aborted && !(await this.#tryAcquireOrRenew(signal, events))) {
      await this.#clock.sleep(this.#nextAttemptInMs(), signal);
    }
    if (signal.aborted) return "stopped";
    this.#leader = true;
    events.onStartedLeading?.();
    let lastRenew = this.#clock.now();
    while (!signal.aborted) {
      await this.#clock.sleep(this.#t.retryPeriodMs, signal);
      if (signal.aborted) break;
      if (await this.#tryAcquireOrRenew(signal, events)) {
        lastRenew = this.#clock.now();
      } else if (this.#clock.now() - lastRenew >= this.#t.renewDeadlineMs || !this.#holdsObserved()) {
        this.#leader = false;
        events.onStoppedLeading?.();
        return "lost";
      }
    }
    await this.release();
    this.#leader = false;
    events.onStoppedLeading?.();
    return "stopped";
  }

  /** Gives the lease up (holder cleared, 1 s duration) so standbys need not wait for it to expire. */
  async release(): Promise<boolean> {
    const seen = this.#observed;
    if (!seen || seen.record.holderIdentity !== this.identity) return false;
    const now = this.#timestamp();
    try {
      const stored = await this.#store.update(
        {
          holderIdentity: "",
          leaseDurationSeconds: 1,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: seen.record.leaseTransitions,
        },
        seen.version,
        AbortSignal.timeout(this.#t.retryPeriodMs),
      );
      this.#observe(stored);
      return true;
    } catch {
      return false; // it expires by itself after leaseDuration
    }
  }

  /**
   * The jittered retry period (half to one period), cut short to the moment the lease we watch expires: a dead
   * leader's successor then takes over at expiry rather than up to a period later (issue 3: handover within 20 s on a
   * 15 s lease), and a released lease is picked up within one period (issue 14: handover ≤ 2 s after SIGTERM).
   */
  #nextAttemptInMs(): number {
    const jittered = this.#t.retryPeriodMs * (0.5 + 0.5 * this.#jitter());
    const lease = this.#observed?.record;
    if (!lease || lease.holderIdentity === "" || lease.holderIdentity === this.identity) return jittered;
    const untilExpiry = this.#observedAt + lease.leaseDurationSeconds * 1000 - this.#clock.now();
    return untilExpiry > 0 ? Math.min(jittered, untilExpiry) : jittered;
  }

  #holdsObserved(): boolean {
    return this.#observed?.record.holderIdentity === this.identity;
  }

  async #tryAcquireOrRenew(outer: AbortSignal, events: ElectionEvents): Promise<boolean> {
    // One attempt may not outlive the renew deadline, or a hung call could keep a dead leader "leading".
    const signal = AbortSignal.any([outer, AbortSignal.timeout(this.#t.renewDeadlineMs)]);
    const sentAt = this.#clock.now();
    const now = this.#timestamp();
    const mine = (transitions: number, acquireTime: string): LeaseRecord => ({
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.round(this.#t.leaseDurationMs / 1000),
      acquireTime,
      renewTime: now,
      leaseTransitions: transitions,
    });
    try {
      const current = await this.#store.get(signal);
      if (!current) {
        this.#observe(await this.#store.create(mine(0, now), signal));
        this.#renewedAt = sentAt;
        this.#noteLeader(this.identity, events);
        return true;
      }
      if (!this.#observed || !sameRecord(this.#observed, current)) this.#observe(current);
      const holder = current.record.holderIdentity;
      const expired = this.#observedAt + current.record.leaseDurationSeconds * 1000 <= this.#clock.now();
      this.#noteLeader(holder, events);
      if (holder !== "" && holder !== this.identity && !expired) return false;
      const next =
        holder === this.identity
          ? mine(current.record.leaseTransitions, current.record.acquireTime)
          : mine(current.record.leaseTransitions + 1, now);
      this.#observe(await this.#store.update(next, current.version, signal));
      this.#renewedAt = sentAt;
      this.#noteLeader(this.identity, events);
      return true;
    } catch (err) {
      events.onAttemptFailed?.(err);
      return false;
    }
  }

  #observe(s: StoredLease): void {
    this.#observed = s;
    this.#observedAt = this.#clock.now();
  }

  #noteLeader(identity: string, events: ElectionEvents): void {
    if (identity === "" || identity === this.#lastLeader) return;
    this.#lastLeader = identity;
    events.onNewLeader?.(identity);
  }

  #timestamp(): string {
    return microTime(this.#clock.now());
  }
}

function sameRecord(a: StoredLease, b: StoredLease): boolean {
  return a.version === b.version && JSON.stringify(a.record) === JSON.stringify(b.record);
}

/** metav1.MicroTime wants six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

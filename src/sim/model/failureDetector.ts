// Phi-accrual failure detection as FaunaDB does it (`ext/cluster/src/main/scala/FailureDetector.scala`): per host, a
// running mean of heartbeat inter-arrival times (at most SampleSize samples; the first sample is MaxInterval, gaps
// longer than MaxInterval are not sampled); phi = silence / mean; a host is marked dead when an interpretation finds
// phi > PhiThreshold and alive again at the first interpretation after it is heard from. A member never heard from
// is down (`isAlive`: samples.containsKey(host)); a local pause longer than MaxLocalPause suspends marking for a
// while. Pure: times are passed in (monotonic milliseconds).

/** `8.0 / (1.0 / ln 10)` ≈ 18.42 (Cassandra's default phi 8 in FaunaDB's exponential form). */
export const PHI_THRESHOLD = 8.0 * Math.log(10);
export const SAMPLE_SIZE = 1000;
export const MAX_LOCAL_PAUSE_MS = 5000;

interface Arrivals {
  last: number;
  samples: number[];
  sum: number;
}

export class FailureDetector {
  private readonly maxIntervalMs: number;
  private readonly arrivals = new Map<string, Arrivals>();
  private readonly dead = new Set<string>();
  private lastInterpretation: number;
  private lastPause = -Infinity;

  /** `checkIntervalMs`: FailureDetector.CheckInterval (1 s); MaxInterval is twice it. */
  constructor(checkIntervalMs: number, now: number) {
    this.maxIntervalMs = 2 * checkIntervalMs;
    this.lastInterpretation = now;
  }

  /** A heartbeat (or any answer) from `host` arrived at `now`. */
  mark(host: string, now: number): void {
    const a = this.arrivals.get(host);
    if (!a) {
      this.arrivals.set(host, { last: now, samples: [this.maxIntervalMs], sum: this.maxIntervalMs });
      return;
    }
    const diff = now - a.last;
    if (diff <= this.maxIntervalMs) {
      a.samples.push(diff);
      a.sum += diff;
      if (a.samples.length > SAMPLE_SIZE) a.sum -= a.samples.shift()!;
    }
    a.last = now;
  }

  /** Forgets a host (it left membership, or restarted with a new generation). */
  remove(host: string): void {
    this.arrivals.delete(host);
    this.dead.delete(host);
  }

  phi(host: string, now: number): number {
    const a = this.arrivals.get(host);
    if (!a || a.samples.length === 0) return 0;
    return (now - a.last) / (a.sum / a.samples.length);
  }

  /** One interpretation round over `hosts` (FailureService.run, once per CheckInterval). */
  interpret(hosts: Iterable<string>, now: number): void {
    const diff = now - this.lastInterpretation;
    this.lastInterpretation = now;
    if (diff > MAX_LOCAL_PAUSE_MS) {
      this.lastPause = now;
      return;
    }
    if (now - this.lastPause < MAX_LOCAL_PAUSE_MS) return;
    for (const h of hosts) {
      if (!this.arrivals.has(h)) continue;
      if (this.phi(h, now) > PHI_THRESHOLD) this.dead.add(h);
      else this.dead.delete(h);
    }
  }

  /** `isAlive` for another member: heard from at least once and not marked dead. */
  isAlive(host: string): boolean {
    return this.arrivals.has(host) && !this.dead.has(host);
  }
}

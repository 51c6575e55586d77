// What the load measures: every operation's latency in an HDR histogram (overall and per second), and per second
// the operations that succeeded and the failures by class. Latency is measured from when the operation was due
// (open loop), so a stalled cluster shows as latency, not as fewer samples (coordinated omission).
import { build, type Histogram } from "hdr-histogram-js";
import { ERROR_CLASSES, type ErrorClass } from "./errors.ts";

/** 1 µs to 10 min, 3 significant digits. */
const newHistogram = (): Histogram => build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });

export interface SecondSample {
  /** Seconds since the load started (the bucket's start). */
  t: number;
  ok: number;
  /** Of `ok`, the operations that committed a write (document writes, transfers, register writes). */
  okWrites: number;
  errors: Record<ErrorClass, number>;
  /** Latency percentiles of the operations that completed in this second (ok or not), ms; null when none. */
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  meanMs: number;
}

const noErrors = (): Record<ErrorClass, number> => Object.fromEntries(ERROR_CLASSES.map((c) => [c, 0])) as Record<ErrorClass, number>;
const ms = (micros: number) => Math.round(micros / 10) / 100;

export function summarize(h: Histogram): LatencySummary {
  return {
    count: h.totalCount,
    p50Ms: ms(h.getValueAtPercentile(50)),
    p90Ms: ms(h.getValueAtPercentile(90)),
    p99Ms: ms(h.getValueAtPercentile(99)),
    p999Ms: ms(h.getValueAtPercentile(99.9)),
    maxMs: ms(h.maxValue),
    meanMs: ms(h.mean),
  };
}

export class LoadStats {
  readonly startedAt: number;
  readonly overall = newHistogram();
  private readonly byOp = new Map<string, Histogram>();
  private readonly byPhase = new Map<string, Histogram>();
  /** Operations due from now on count to this phase (e.g. "steady", "fault", "skewed"). */
  phase = "steady";
  private readonly seconds: { ok: number; okWrites: number; errors: Record<ErrorClass, number>; h: Histogram }[] = [];

  constructor(startedAt: number) {
    this.startedAt = startedAt;
  }

  private second(at: number) {
    const i = Math.max(0, Math.floor((at - this.startedAt) / 1000));
    while (this.seconds.length <= i) this.seconds.push({ ok: 0, okWrites: 0, errors: noErrors(), h: newHistogram() });
    return this.seconds[i]!;
  }

  /** One finished operation: when it was due and when it ended (epoch ms), its failure class if any, whether it writes. */
  record(op: string, dueAt: number, endedAt: number, failure?: ErrorClass, writes = false): void {
    const micros = Math.max(1, Math.round((endedAt - dueAt) * 1000));
    this.overall.recordValue(micros);
    let h = this.byOp.get(op);
    if (!h) this.byOp.set(op, (h = newHistogram()));
    h.recordValue(micros);
    let p = this.byPhase.get(this.phase);
    if (!p) this.byPhase.set(this.phase, (p = newHistogram()));
    p.recordValue(micros);
    const s = this.second(endedAt);
    s.h.recordValue(micros);
    if (failure) s.errors[failure]++;
    else {
      s.ok++;
      if (writes) s.okWrites++;
    }
  }

  series(until = Date.now()): SecondSample[] {
    this.second(until);
    return this.seconds.map((s, t) => {
      const any = s.h.totalCount > 0;
      return {
        t, ok: s.ok, okWrites: s.okWrites, errors: { ...s.errors },
        p50Ms: any ? ms(s.h.getValueAtPercentile(50)) : null,
        p99Ms: any ? ms(s.h.getValueAtPercentile(99)) : null,
        maxMs: any ? ms(s.h.maxValue) : null,
      };
    });
  }

  latency(): LatencySummary {
    return summarize(this.overall);
  }

  latencyByPhase(): Record<string, LatencySummary> {
    return Object.fromEntries([...this.byPhase].map(([phase, h]) => [phase, summarize(h)]));
  }

  latencyByOp(): Record<string, LatencySummary> {
    return Object.fromEntries([...this.byOp].map(([op, h]) => [op, summarize(h)]));
  }
}

// Percentiles through hdr-histogram-js (never hand-rolled): of raw samples, and of a Prometheus histogram's buckets
// (each bucket's count recorded at its upper bound, so the answer is the bucket bound the percentile falls under).
import { build, type Histogram } from "hdr-histogram-js";

export interface Percentiles {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** 1 µs to 1 h, 3 significant digits; values are recorded in µs. */
const histogram = (): Histogram => build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });

/** p50/p99/max of samples in ms (null without samples). */
export function percentilesMs(samplesMs: readonly number[]): Percentiles | null {
  if (samplesMs.length === 0) return null;
  const h = histogram();
  for (const v of samplesMs) h.recordValue(Math.max(1, Math.round(v * 1000)));
  const ms = (us: number) => Number((us / 1000).toPrecision(3)); // the histogram's own 3 significant digits
  return { count: h.totalCount, p50: ms(h.getValueAtPercentile(50)), p99: ms(h.getValueAtPercentile(99)), max: ms(h.maxValue) };
}

/** A Prometheus histogram: cumulative counts per upper bound in seconds (`le`, Infinity for +Inf). */
export type Buckets = { le: number; count: number }[];

/** Percentiles of a Prometheus histogram as bucket bounds, in ms; +Inf counts as twice the largest finite bound. */
export function bucketPercentilesMs(buckets: Buckets): Percentiles | null {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const finite = sorted.filter((b) => Number.isFinite(b.le));
  const top = (finite.at(-1)?.le ?? 1) * 2;
  const h = histogram();
  let below = 0;
  for (const b of sorted) {
    const n = b.count - below;
    below = b.count;
    if (n > 0) h.recordValueWithCount(Math.round((Number.isFinite(b.le) ? b.le : top) * 1_000_000), n);
  }
  if (h.totalCount === 0) return null;
  // getValueAtPercentile answers within the histogram's precision: round back to the bound (µs → ms, 3 digits).
  const ms = (us: number) => Number((us / 1000).toPrecision(3));
  return { count: h.totalCount, p50: ms(h.getValueAtPercentile(50)), p99: ms(h.getValueAtPercentile(99)), max: ms(h.maxValue) };
}

/** b / a, or null when either is missing or a is 0. */
export function ratio(b: number | null | undefined, a: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || a === 0) return null;
  return Math.round((b / a) * 100) / 100;
}

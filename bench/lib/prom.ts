// The Prometheus text format, read back: samples with labels, sums over a metric, one histogram's buckets.
import type { Buckets } from "./stats.ts";

export type Sample = { name: string; labels: Record<string, string>; value: number };

export function parseProm(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    const raw = m[4]!;
    out.push({ name: m[1]!, labels, value: raw === "+Inf" ? Infinity : Number(raw) });
  }
  return out;
}

/** Sum of `name` over the samples whose labels pass `where`. */
export function sum(samples: readonly Sample[], name: string, where: (labels: Record<string, string>) => boolean = () => true): number {
  return samples.filter((s) => s.name === name && where(s.labels)).reduce((n, s) => n + s.value, 0);
}

/** The cumulative buckets of histogram `name` (summed over other labels). */
export function buckets(samples: readonly Sample[], name: string): Buckets {
  const byLe = new Map<number, number>();
  for (const s of samples.filter((x) => x.name === `${name}_bucket`)) {
    const le = s.labels.le === "+Inf" ? Infinity : Number(s.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  return [...byLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

/** `after` − `before` bucket by bucket: the histogram of what happened in between. */
export function bucketsDelta(after: Buckets, before: Buckets): Buckets {
  return after.map((b) => ({ le: b.le, count: b.count - (before.find((x) => x.le === b.le)?.count ?? 0) }));
}

/** The operator's cost counters at one moment (API calls, writes, admin calls, reconciles). */
export interface Counters {
  at: number;
  reconciles: number;
  /** Kubernetes API requests, watches and Lease calls left out (a watch is one long request; Leases are election). */
  kubeRequests: number;
  kubeWrites: number;
  leaseRequests: number;
  adminCalls: number;
  adminWrites: number;
  reconcileBuckets: Buckets;
}

export function counters(text: string, at = Date.now()): Counters {
  const s = parseProm(text);
  return {
    at,
    reconciles: sum(s, "controller_runtime_reconcile_total"),
    kubeRequests: sum(s, "kube_api_requests_total", (l) => l.verb !== "watch" && l.resource !== "leases.coordination.k8s.io"),
    kubeWrites: sum(s, "kube_api_object_writes_total"),
    leaseRequests: sum(s, "kube_api_requests_total", (l) => l.resource === "leases.coordination.k8s.io"),
    adminCalls: sum(s, "fauna_admin_requests_total"),
    adminWrites: sum(s, "fauna_admin_writes_total"),
    reconcileBuckets: buckets(s, "controller_runtime_reconcile_time_seconds"),
  };
}

export interface CostWindow {
  minutes: number;
  reconciles: number;
  kubeRequestsPerReconcile: number | null;
  kubeWritesPerReconcile: number | null;
  kubeWritesPerMinute: number;
  kubeRequestsPerMinute: number;
  adminCallsPerMinute: number;
  adminWritesPerMinute: number;
  leaseRequestsPerMinute: number;
  reconcileBuckets: Buckets;
}

export function costBetween(a: Counters, b: Counters): CostWindow {
  const minutes = (b.at - a.at) / 60_000;
  const reconciles = b.reconciles - a.reconciles;
  const per = (n: number) => (reconciles > 0 ? Math.round((n / reconciles) * 10) / 10 : null);
  const perMin = (n: number) => Math.round((n / minutes) * 10) / 10;
  return {
    minutes: Math.round(minutes * 100) / 100,
    reconciles,
    kubeRequestsPerReconcile: per(b.kubeRequests - a.kubeRequests),
    kubeWritesPerReconcile: per(b.kubeWrites - a.kubeWrites),
    kubeWritesPerMinute: perMin(b.kubeWrites - a.kubeWrites),
    kubeRequestsPerMinute: perMin(b.kubeRequests - a.kubeRequests),
    adminCallsPerMinute: perMin(b.adminCalls - a.adminCalls),
    adminWritesPerMinute: perMin(b.adminWrites - a.adminWrites),
    leaseRequestsPerMinute: perMin(b.leaseRequests - a.leaseRequests),
    reconcileBuckets: bucketsDelta(b.reconcileBuckets, a.reconcileBuckets),
  };
}

/** Where the operator's memory is, from prom-client's default process metrics (MB). */
export function memoryBreakdown(text: string): Record<string, number> {
  const s = parseProm(text);
  const mb = (v: number) => Math.round(v / 2 ** 20);
  const out: Record<string, number> = {
    rss: mb(sum(s, "process_resident_memory_bytes")),
    heapTotal: mb(sum(s, "nodejs_heap_size_total_bytes")),
    heapUsed: mb(sum(s, "nodejs_heap_size_used_bytes")),
    external: mb(sum(s, "nodejs_external_memory_bytes")),
  };
  for (const x of s.filter((x) => x.name === "nodejs_heap_space_size_used_bytes")) out[`used:${x.labels.space}`] = mb(x.value);
  return out;
}

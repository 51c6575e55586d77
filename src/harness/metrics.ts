// Live metrics of the load and the harness for Prometheus (prom-client), as the tutorial watched its load in
// Grafana (dashboards/fauna.json): operations by kind and outcome, failures by class, latency from when each
// operation was due, operations in flight, and the harness's fault markers and check verdicts per scenario.
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ErrorClass } from "../load/errors.ts";
import type { LoadObserver, OpKind } from "../load/load.ts";
import type { ScenarioResult, TimelineEvent } from "./report.ts";
import type { RunOptions } from "./runner.ts";

/** Latency buckets, seconds: 1 ms to 10 s, where FaunaDB's answers and the skew's held acks fall. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface HarnessMetrics {
  registry: Registry;
  observer: LoadObserver;
  /** A scenario started (its name labels the fault marker). */
  scenario(name: string): void;
  event(scenario: string, e: TimelineEvent): void;
  done(result: ScenarioResult): void;
}

export function harnessMetrics(registry = new Registry()): HarnessMetrics {
  const registers = [registry];
  const ops = new Counter({ name: "fauna_load_operations_total", help: "Load operations finished, by kind and outcome (ok, error)", labelNames: ["op", "outcome"] as const, registers });
  const errors = new Counter({ name: "fauna_load_errors_total", help: "Failed load operations by kind and class (timeout, unavailable, refused, contention, other)", labelNames: ["op", "class"] as const, registers });
  const latency = new Histogram({ name: "fauna_load_latency_seconds", help: "Load operation latency from when it was due (open loop), by kind", labelNames: ["op"] as const, buckets: LATENCY_BUCKETS, registers });
  const inFlight = new Gauge({ name: "fauna_load_in_flight", help: "Load operations in flight", registers });
  const fault = new Gauge({ name: "fauna_harness_fault_active", help: "1 while a scenario's fault is in force (from injection until it is lifted or the cluster is Ready again)", labelNames: ["scenario"] as const, registers });
  const events = new Counter({ name: "fauna_harness_events_total", help: "Harness timeline events: fault, heal, mark, ready, not-ready", labelNames: ["scenario", "kind"] as const, registers });
  const scenario = new Gauge({ name: "fauna_harness_scenario_running", help: "1 for the scenario running now", labelNames: ["scenario"] as const, registers });
  const ready = new Gauge({ name: "fauna_harness_cluster_ready", help: "The FaunaCluster's Ready condition at its generation as the harness last saw it (1/0)", registers });
  const check = new Gauge({ name: "fauna_harness_check_passed", help: "1 if the check passed for the scenario, 0 if it failed", labelNames: ["scenario", "check"] as const, registers });
  const lost = new Gauge({ name: "fauna_harness_lost_writes", help: "Acknowledged writes not read back, by scenario", labelNames: ["scenario"] as const, registers });
  return {
    registry,
    observer: {
      started() {
        inFlight.inc();
      },
      finished(op: OpKind, seconds: number, failure: ErrorClass | undefined) {
        inFlight.dec();
        ops.inc({ op, outcome: failure ? "error" : "ok" });
        if (failure) errors.inc({ op, class: failure });
        latency.observe({ op }, seconds);
      },
    },
    scenario(name) {
      scenario.reset();
      scenario.set({ scenario: name }, 1);
    },
    event(name, e) {
      events.inc({ scenario: name, kind: e.kind });
      if (e.kind === "fault") fault.set({ scenario: name }, 1);
      if (e.kind === "heal") fault.set({ scenario: name }, 0);
      if (e.kind === "ready" || e.kind === "not-ready") ready.set(e.kind === "ready" ? 1 : 0);
    },
    done(r) {
      fault.set({ scenario: r.name }, 0);
      scenario.set({ scenario: r.name }, 0);
      lost.set({ scenario: r.name }, r.lost);
      for (const c of r.checks ?? []) check.set({ scenario: r.name, check: c.name }, c.passed ? 1 : 0);
    },
  };
}

/** The runner's hooks that feed these metrics. */
export function liveOptions(m: HarnessMetrics): Pick<RunOptions, "observer" | "onEvent" | "onScenario" | "onResult"> {
  return { observer: m.observer, onEvent: (name, e) => m.event(name, e), onScenario: (name) => m.scenario(name), onResult: (r) => m.done(r) };
}

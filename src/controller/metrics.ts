// The operator's Prometheus metrics, named as controller-runtime names them so existing dashboards fit.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { QueueMetrics } from "./queue.ts";
import type { Outcome } from "./result.ts";

export class ControllerMetrics {
  readonly registry: Registry;
  readonly #reconciles: Counter<"controller" | "result">;
  readonly #errors: Counter<"controller">;
  readonly #duration: Histogram<"controller">;
  readonly #depth: Gauge<"name">;
  readonly #adds: Counter<"name">;
  readonly #retries: Counter<"name">;
  readonly #leader: Gauge<"name">;
  readonly #informerRestarts: Counter<"informer">;
  readonly #activeWorkers: Gauge<"controller">;

  constructor(registry: Registry = new Registry(), opts: { processMetrics?: boolean } = {}) {
    this.registry = registry;
    const registers = [registry];
    if (opts.processMetrics) collectDefaultMetrics({ register: registry });
    this.#reconciles = new Counter({
      name: "controller_runtime_reconcile_total",
      help: "Reconcile passes by controller and result (success, requeue_after, error, terminal_error)",
      labelNames: ["controller", "result"],
      registers,
    });
    this.#errors = new Counter({
      name: "controller_runtime_reconcile_errors_total",
      help: "Reconcile passes that ended in an error",
      labelNames: ["controller"],
      registers,
    });
    this.#duration = new Histogram({
      name: "controller_runtime_reconcile_time_seconds",
      help: "Duration of reconcile passes",
      labelNames: ["controller"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.#activeWorkers = new Gauge({
      name: "controller_runtime_active_workers",
      help: "Workers currently running a reconcile pass",
      labelNames: ["controller"],
      registers,
    });
    this.#depth = new Gauge({ name: "workqueue_depth", help: "Keys waiting in the queue", labelNames: ["name"], registers });
    this.#adds = new Counter({ name: "workqueue_adds_total", help: "Keys added to the queue", labelNames: ["name"], registers });
    this.#retries = new Counter({
      name: "workqueue_retries_total",
      help: "Rate-limited re-adds after errors",
      labelNames: ["name"],
      registers,
    });
    this.#leader = new Gauge({
      name: "leader_election_master_status",
      help: "1 while this replica holds the leader lease",
      labelNames: ["name"],
      registers,
    });
    this.#informerRestarts = new Counter({
      name: "informer_restarts_total",
      help: "Informer restarts after watch or list errors",
      labelNames: ["informer"],
      registers,
    });
  }

  queue(name: string): QueueMetrics {
    return {
      depth: (n) => this.#depth.set({ name }, n),
      added: () => this.#adds.inc({ name }),
      retried: () => this.#retries.inc({ name }),
    };
  }

  reconciled(controller: string, outcome: Outcome, seconds: number): void {
    this.#reconciles.inc({ controller, result: outcome });
    if (outcome === "error" || outcome === "terminal_error") this.#errors.inc({ controller });
    this.#duration.observe({ controller }, seconds);
  }

  activeWorkers(controller: string, delta: number): void {
    this.#activeWorkers.inc({ controller }, delta);
  }

  leader(name: string, isLeader: boolean): void {
    this.#leader.set({ name }, isLeader ? 1 : 0);
  }

  informerRestarted(informer: string): void {
    this.#informerRestarts.inc({ informer });
  }
}

// Every admin API call counted by operation and outcome (the HTTP status, or how it failed without one), in the
// manner of kube/metrics.ts: what the operator costs FaunaDB, in calls per minute, at steady state and while
// converging. Writes (init, join, replication, remove, clean) are counted apart, as kube/ counts object writes.
import { Counter, type Registry } from "prom-client";

/** The operations that change the cluster (the client fences exactly these). */
export const ADMIN_WRITE_OPS = new Set(["init", "join", "put-replication", "remove-node", "clean-storage"]);

export type AdminMetrics = {
  /** `outcome`: the HTTP status, or `timeout` / `connection` / `transport` when no answer came. */
  observe(op: string, outcome: number | string): void;
};

export function adminMetrics(registry: Registry): AdminMetrics {
  const requests = new Counter({
    name: "fauna_admin_requests_total",
    help: "FaunaDB admin API calls by operation and outcome (HTTP status, or timeout/connection/transport)",
    labelNames: ["op", "outcome"] as const,
    registers: [registry],
  });
  const writes = new Counter({
    name: "fauna_admin_writes_total",
    help: "FaunaDB admin API calls that change the cluster (init, join, put-replication, remove-node, clean-storage)",
    labelNames: ["op"] as const,
    registers: [registry],
  });
  return {
    observe(op, outcome) {
      requests.inc({ op, outcome: String(outcome) });
      if (ADMIN_WRITE_OPS.has(op)) writes.inc({ op });
    },
  };
}

export const noAdminMetrics: AdminMetrics = { observe() {} };

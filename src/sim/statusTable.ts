// `faunadb-admin status` text layout, exactly as `AdminCommands.Status` prints it (FACTS §1.5).
import type { AdminStatusNode, AdminStatusResponse } from "../fauna/wire.ts";

const HEADER = ["Status", "State", "WorkerID", "Log Segment", "Address", "Owns", "Goal", "HostID", "Persisted Timestamp"];

/** `%4.1f%%` of a 0..1 fraction. */
export const percent = (fraction: number): string => `${(fraction * 100).toFixed(1).padStart(4, " ")}%`;

function row(n: AdminStatusNode): string[] {
  return [
    n.status,
    n.state,
    n.worker_id,
    n.log_segment_leader ? `${n.log_segment} (leader)` : n.log_segment,
    n.address,
    percent(n.ownership),
    percent(n.ownership_goal),
    n.host_id,
    n.persisted_timestamp,
  ];
}

/**
 * Per replica sorted by name: an empty line, `Replica: <name> (<type>)`, a `=` underline as long, the header,
 * rows sorted by the WorkerID string. Every column (the last too) is left-justified to the widest value across
 * all replicas and joined by two spaces, so rows keep trailing spaces.
 */
export function formatStatusTable(status: AdminStatusResponse): string {
  const types = new Map(status.replica_info.map((r) => [r.name, r.type as string]));
  const replicas = [...new Set(status.nodes.map((n) => n.replica))].sort();
  const rows = status.nodes.map(row);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!, " ")).join("  ");
  const out: string[] = [];
  for (const replica of replicas) {
    const title = `Replica: ${replica} (${types.get(replica) ?? "unknown type"})`;
    out.push("", title, "=".repeat(title.length), line(HEADER));
    const nodes = status.nodes.filter((n) => n.replica === replica).sort((a, b) => (a.worker_id < b.worker_id ? -1 : a.worker_id > b.worker_id ? 1 : 0));
    for (const n of nodes) out.push(line(row(n)));
  }
  return out.join("\n") + "\n";
}

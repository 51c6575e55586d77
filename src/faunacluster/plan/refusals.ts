// Which desired topology the planner works towards. A spec is accepted only when it is valid and safe
// against what FaunaDB has now; after bootstrap, only one replica may change at a time, and only once the
// previous change has converged. A refused spec leaves the planner repairing the accepted topology.
import type { ReplicaType } from "../../fauna/wire.ts";
import type { DesiredReplica, PlanInput, Refusal } from "./types.ts";

// FACTS §7.1 (`ReplicaNameValidator`): alphanumeric start; letters, digits, `_`, `-`; optional `region/` prefix.
const REPLICA_NAME = /^(?:[A-Za-z0-9][A-Za-z0-9_-]*\/)?[A-Za-z0-9][A-Za-z0-9_-]*$/;

export function validateSpec(replicas: DesiredReplica[]): Refusal | null {
  const invalid = (message: string): Refusal => ({ reason: "InvalidSpec", message });
  if (replicas.length === 0) return invalid("spec.replicas is empty");
  const names = new Set<string>();
  for (const r of replicas) {
    if (!REPLICA_NAME.test(r.name)) return invalid(`replica name ${JSON.stringify(r.name)} is not a valid FaunaDB replica name`);
    if (names.has(r.name)) return invalid(`replica ${r.name} is listed twice`);
    names.add(r.name);
    if (!Number.isInteger(r.nodes) || r.nodes < 0) return invalid(`replica ${r.name}: nodes must be a whole number >= 0`);
    if (r.type !== "compute" && r.nodes < 1) {
      return { reason: "LastDataNode", message: `replica ${r.name} is ${r.type} and needs at least one node; change it to compute first, then remove its nodes` };
    }
  }
  if (!replicas.some((r) => r.type === "data+log")) return invalid("at least one replica must be data+log (FACTS §7.1)");
  return null;
}

/** Checks of a change against the types FaunaDB currently has (the truth), falling back to the accepted spec. */
export function checkChange(input: PlanInput, desired: DesiredReplica[], accepted: DesiredReplica[] | null): Refusal | null {
  const typeNow = (name: string): ReplicaType | undefined =>
    input.fauna.replication?.replicas.find((r) => r.name === name)?.type ?? accepted?.find((r) => r.name === name)?.type;
  const known = [...new Set([...(input.fauna.replication?.replicas ?? []).map((r) => r.name), ...(accepted ?? []).map((r) => r.name)])];
  for (const name of known) {
    const type = typeNow(name);
    const next = desired.find((r) => r.name === name);
    if (type !== undefined && type !== "compute" && (!next || next.nodes === 0)) {
      return {
        reason: "LastDataNode",
        message: `removing replica ${name} would drop its last data node; change it to compute first (FACTS §7.3), then remove it`,
      };
    }
  }
  const logNow = known.filter((name) => typeNow(name) === "data+log").length;
  const logNext = desired.filter((r) => r.type === "data+log").length;
  const majority = Math.floor(logNow / 2) + 1;
  if (logNow > 0 && logNext < majority) {
    return {
      reason: "LogMajority",
      message: `the spec keeps ${logNext} of ${logNow} data+log replicas, below a majority (${majority}); the transaction log would lose quorum (FACTS §7.2)`,
    };
  }
  return null;
}

/** Names of the replicas whose type or size differs between two topologies (added and removed included). */
export function changedReplicas(a: DesiredReplica[], b: DesiredReplica[]): string[] {
  const names = [...new Set([...a.map((r) => r.name), ...b.map((r) => r.name)])];
  return names.filter((name) => {
    const x = a.find((r) => r.name === name);
    const y = b.find((r) => r.name === name);
    return !x || !y || x.type !== y.type || x.nodes !== y.nodes;
  });
}

export function sameTopology(a: DesiredReplica[], b: DesiredReplica[]): boolean {
  return changedReplicas(a, b).length === 0 && a.map((r) => r.name).join() === b.map((r) => r.name).join();
}

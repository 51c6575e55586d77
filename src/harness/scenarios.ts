// The failure scenarios: what each injects (through kubectl, or the backend for what Kubernetes cannot do: a
// partition, a clock skew) and what must hold once the cluster is Ready again, besides the harness's own rule that
// no acknowledged write is lost. The same definitions run on every backend (backend.ts).
import type { NotRun } from "./report.ts";
import { until } from "./poll.ts";
/** The annotation a clock skew sets (both backends: the local runner's FAKETIME file, the simulator's podinfo file). */
export { CLOCK_OFFSET_ANNOTATION } from "../sim/clock.ts";
import { forceDeletePods, leaseHolder, readCluster, replicaPods, type HarnessTarget, type PodIdentity } from "./kube.ts";

export interface Expectation {
  met: boolean;
  detail: string;
}

/** What the runner saw between the injection and the check. */
export interface Observed {
  /** The cluster was seen not Ready at least once after the injection. */
  wasNotReady: boolean;
}

/** What an injection leaves the runner: the check run once the cluster is Ready again, and how to lift the fault. */
export interface Injected {
  check(observed: Observed): Promise<Expectation>;
  /** Lifts a fault that does not end by itself (a skew), after the load ran through it; kills need none. */
  heal?(): Promise<void>;
}

/** What the runner lends an injection: a mark on the timeline, optionally starting a latency phase ("skewed"). */
export interface InjectHooks {
  mark(label: string, phase?: string): void;
}

export interface Scenario {
  name: string;
  fault: string;
  expectation: string;
  inject(t: HarnessTarget, hooks?: InjectHooks): Promise<Injected>;
}

const KILLED_NODE_REPLICA = "replica-2";
const KILLED_REPLICA = "replica-3";
/** A new operator leader must hold the Lease within this long of the check (a SIGKILLed leader's Lease lasts 15 s). */
const LEADER_WAIT_MS = 30_000;

/** Host IDs by pod, from the FaunaCluster's status. */
export async function hostIds(t: HarnessTarget): Promise<Map<string, string>> {
  const fc = await readCluster(t);
  return new Map((fc.status?.nodes ?? []).map((n) => [n.pod, n.hostId ?? ""]));
}

/** Every pod came back as a new pod (new UID) carrying its old host ID (FaunaDB identity survives on the volume). */
export async function sameHostsOnNewPods(t: HarnessTarget, replica: string, killed: PodIdentity[], hostsBefore: Map<string, string>): Promise<Expectation> {
  const now = new Map((await replicaPods(t, replica)).map((p) => [p.name, p.uid]));
  const hostsAfter = await hostIds(t);
  const wrong: string[] = [];
  for (const pod of killed) {
    const before = hostsBefore.get(pod.name) ?? "";
    const after = hostsAfter.get(pod.name) ?? "";
    if (now.get(pod.name) === undefined) wrong.push(`${pod.name} not recreated`);
    else if (now.get(pod.name) === pod.uid) wrong.push(`${pod.name} was not killed (same UID)`);
    if (before === "" || after !== before) wrong.push(`${pod.name} host ID ${before || "?"} → ${after || "none"}`);
  }
  const what = killed.length === 1 ? `${killed[0]!.name} recreated with host ID ${hostsBefore.get(killed[0]!.name)}` : `${killed.length} pods recreated with their host IDs`;
  return wrong.length ? { met: false, detail: wrong.join("; ") } : { met: true, detail: what };
}

export const killNode: Scenario = {
  name: "kill-node",
  fault: `one pod of ${KILLED_NODE_REPLICA} force-deleted (grace period 0)`,
  expectation: "the pod back with the same FaunaDB host ID",
  async inject(t) {
    const pods = await replicaPods(t, KILLED_NODE_REPLICA);
    const victim = pods.at(-1);
    if (!victim) throw new Error(`${KILLED_NODE_REPLICA} has no pod`);
    const hostsBefore = await hostIds(t);
    await forceDeletePods(t, t.namespace, [victim.name]);
    return { check: () => sameHostsOnNewPods(t, KILLED_NODE_REPLICA, [victim], hostsBefore) };
  },
};

export const killReplica: Scenario = {
  name: "kill-replica",
  fault: `every pod of ${KILLED_REPLICA} force-deleted at once`,
  expectation: "every pod back with its FaunaDB host ID",
  async inject(t) {
    const pods = await replicaPods(t, KILLED_REPLICA);
    if (pods.length === 0) throw new Error(`${KILLED_REPLICA} has no pod`);
    const hostsBefore = await hostIds(t);
    await forceDeletePods(t, t.namespace, pods.map((p) => p.name));
    return { check: () => sameHostsOnNewPods(t, KILLED_REPLICA, pods, hostsBefore) };
  },
};

export const killOperator: Scenario = {
  name: "kill-operator",
  fault: "the operator's leader pod force-deleted in steady state",
  expectation: "another operator pod takes the Lease and the cluster stays Ready",
  async inject(t) {
    const leader = await leaseHolder(t);
    if (!leader) throw new Error(`Lease ${t.operator.namespace}/${t.operator.lease} has no holder`);
    await forceDeletePods(t, t.operator.namespace, [leader]);
    const check = async ({ wasNotReady }: Observed): Promise<Expectation> => {
      let holder = "";
      await until(async () => {
        holder = await leaseHolder(t).catch(() => "");
        return holder !== "" && holder !== leader;
      }, LEADER_WAIT_MS);
      const problems = [
        ...(holder === "" || holder === leader ? [`Lease still ${holder ? `held by the killed ${leader}` : "unheld"}`] : []),
        ...(wasNotReady ? ["the cluster was seen not Ready"] : []),
      ];
      return problems.length ? { met: false, detail: problems.join("; ") } : { met: true, detail: `leader ${leader} → ${holder}` };
    };
    return { check };
  },
};

const GROWN_REPLICA = "replica-3";
/** How long the grow may take to show in status before the leader is killed anyway. */
const CHANGE_SEEN_WITHIN_MS = 30_000;

/** The leader is killed while a topology change it started is in flight: the next leader must finish it. */
export const killOperatorMidChange: Scenario = {
  name: "kill-operator-mid-change",
  fault: `${GROWN_REPLICA} grown by one node, and the operator's leader pod force-deleted while the change is in flight`,
  expectation: `another operator pod takes the Lease and finishes the change: every ${GROWN_REPLICA} node a live member`,
  async inject(t) {
    const fc = await readCluster(t);
    const index = fc.spec.replicas.findIndex((r) => r.name === GROWN_REPLICA);
    const nodes = fc.spec.replicas[index]?.nodes;
    if (nodes === undefined) throw new Error(`the cluster has no replica ${GROWN_REPLICA}`);
    const leader = await leaseHolder(t);
    if (!leader) throw new Error(`Lease ${t.operator.namespace}/${t.operator.lease} has no holder`);
    await t.kubectl(["-n", t.namespace, "patch", "faunacluster", t.cluster, "--type=json", "-p",
      JSON.stringify([{ op: "replace", path: `/spec/replicas/${index}/nodes`, value: nodes + 1 }])]);
    // In flight: the operator took the new generation and is working on it (TopologyReady False for it).
    const inFlight = await until(async () => {
      const c = await readCluster(t);
      const topologyReady = c.status?.conditions?.find((x) => x.type === "TopologyReady");
      return topologyReady?.status === "False" && topologyReady.observedGeneration === c.metadata.generation;
    }, CHANGE_SEEN_WITHIN_MS);
    await forceDeletePods(t, t.operator.namespace, [leader]);
    return {
      async check() {
        const holder = await leaseHolder(t).catch(() => "");
        const grown = (await readCluster(t)).status?.nodes?.filter((n) => n.replica === GROWN_REPLICA) ?? [];
        const live = grown.filter((n) => n.state === "live" && n.status === "up" && n.hostId);
        const problems = [
          ...(holder === "" || holder === leader ? [`Lease ${holder ? `still held by the killed ${leader}` : "unheld"}`] : []),
          ...(live.length === nodes + 1 ? [] : [`${live.length} of ${nodes + 1} ${GROWN_REPLICA} nodes live members`]),
        ];
        const when = inFlight ? "while the change was in flight" : "before the change showed in status";
        return problems.length ? { met: false, detail: problems.join("; ") } : { met: true, detail: `leader ${leader} killed ${when}; ${holder} finished: ${GROWN_REPLICA} ${nodes} → ${nodes + 1} live` };
      },
    };
  },
};

const SKEWED_REPLICA = "replica-1";
const SKEW_S = 5;
/** How far a measured skew may be from the injected one (clock reads and the re-read interval, ~1 s). */
const SKEW_TOLERANCE_MS = 1_500;

/** The node's clock minus the harness's, in ms; null when the node's clock cannot be read. */
async function skewOf(t: HarnessTarget, pod: string): Promise<number | null> {
  const at = await t.nodeClock?.(pod);
  return at === undefined || at === null ? null : at - Date.now();
}

/** The node's skew once it is within tolerance of `expectedMs` (5 s at most), else the last one measured. */
export async function settledSkew(t: HarnessTarget, pod: string, expectedMs: number): Promise<number | null> {
  let skew: number | null = null;
  await until(async () => {
    skew = await skewOf(t, pod);
    return skew !== null && Math.abs(skew - expectedMs) <= SKEW_TOLERANCE_MS;
  }, 5_000, 500);
  return skew;
}

export const clockSkew: Scenario = {
  name: "clock-skew",
  fault: `the clock of one ${SKEWED_REPLICA} node set ${SKEW_S} s ahead (FaunaDB QA's largest skew, FACTS §8), then back`,
  expectation: `the node's own clock runs ${SKEW_S} s ahead during the fault and agrees again after; the cluster stays Ready`,
  async inject(t) {
    const victim = (await replicaPods(t, SKEWED_REPLICA))[0];
    if (!victim) throw new Error(`${SKEWED_REPLICA} has no pod`);
    await t.backend.setClockOffset(t, victim.name, `+${SKEW_S}s`);
    const during = await settledSkew(t, victim.name, SKEW_S * 1000);
    let after: number | null = null;
    return {
      async heal() {
        await t.backend.setClockOffset(t, victim.name, null);
        after = await settledSkew(t, victim.name, 0);
      },
      async check({ wasNotReady }) {
        const s = (ms: number | null) => (ms === null ? "unreadable" : `${(Math.round(ms / 100) / 10 + 0).toFixed(1)} s`);
        const problems = [
          ...(during === null || Math.abs(during - SKEW_S * 1000) > SKEW_TOLERANCE_MS ? [`${victim.name} ran ${s(during)} ahead during the fault, not ${SKEW_S} s`] : []),
          ...(after === null || Math.abs(after) > SKEW_TOLERANCE_MS ? [`${victim.name} still ${s(after)} off after the skew was lifted`] : []),
          ...(wasNotReady ? ["the cluster was seen not Ready"] : []),
        ];
        return problems.length ? { met: false, detail: problems.join("; ") } : { met: true, detail: `${victim.name} ran ${s(during)} ahead, then ${s(after)}` };
      },
    };
  },
};

const PARTITIONED_REPLICA = "replica-2";
/**
 * How long the other nodes may take to call an isolated host down: FaunaDB's phi-accrual detector needs ~18 s of
 * silence at 1 s heartbeats (FACTS Corrections 4, FailureDetector.scala), plus the operator's next observation.
 */
const SEEN_DOWN_WITHIN_MS = 45_000;

/** The status the FaunaCluster reports for a pod's host ("up", "down", or undefined when not listed). */
async function reportedStatus(t: HarnessTarget, pod: string): Promise<{ status: string | undefined; hostId: string | undefined }> {
  const node = (await readCluster(t)).status?.nodes?.find((n) => n.pod === pod);
  return { status: node?.status, hostId: node?.hostId };
}

export const networkPartition: Scenario = {
  name: "network-partition",
  fault: `one ${PARTITIONED_REPLICA} node cut off from every other node, the clients and the operator, then reconnected`,
  expectation: "the cluster reports the host down while it is cut off, then up again with the same host ID",
  async inject(t) {
    const victim = (await replicaPods(t, PARTITIONED_REPLICA)).at(-1);
    if (!victim) throw new Error(`${PARTITIONED_REPLICA} has no pod`);
    const before = await reportedStatus(t, victim.name);
    await t.backend.isolate(t, victim.name);
    const seenDown = await until(async () => (await reportedStatus(t, victim.name)).status === "down", SEEN_DOWN_WITHIN_MS);
    return {
      async heal() {
        await t.backend.reconnect(t, victim.name);
      },
      async check() {
        const after = await reportedStatus(t, victim.name);
        const problems = [
          ...(seenDown ? [] : [`${victim.name} was never reported down: the partition did not land`]),
          ...(after.status === "up" ? [] : [`${victim.name} reported ${after.status ?? "absent"} after reconnecting`]),
          ...(before.hostId !== undefined && after.hostId === before.hostId ? [] : [`${victim.name} host ID ${before.hostId ?? "?"} → ${after.hostId ?? "none"}`]),
        ];
        return problems.length ? { met: false, detail: problems.join("; ") } : { met: true, detail: `${victim.name} down while cut off, back up as ${after.hostId}` };
      },
    };
  },
};

/** In this order: the last one leaves the cluster a node bigger. */
export const SCENARIOS: readonly Scenario[] = [killNode, killReplica, killOperator, clockSkew, networkPartition, killOperatorMidChange];

export const NOT_RUN: readonly NotRun[] = [];

/** The scenarios named in `names` (all when empty); throws on an unknown name. */
export function selectScenarios(names: readonly string[]): Scenario[] {
  if (names.length === 0) return [...SCENARIOS];
  return names.map((n) => {
    const s = SCENARIOS.find((x) => x.name === n);
    if (!s) throw new Error(`unknown scenario ${n}; known: ${SCENARIOS.map((x) => x.name).join(", ")}`);
    return s;
  });
}

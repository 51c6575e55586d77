// The failure scenarios: what each injects (through kubectl) and what must hold once the cluster is Ready again,
// besides the harness's own rule that no acknowledged write is lost.
import type { NotRun } from "./report.ts";
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

export interface Scenario {
  name: string;
  fault: string;
  expectation: string;
  /** Injects the fault; resolves to the check run once the cluster is Ready again. */
  inject(t: HarnessTarget): Promise<(observed: Observed) => Promise<Expectation>>;
}

const KILLED_NODE_REPLICA = "replica-2";
const KILLED_REPLICA = "replica-3";
/** A new operator leader must hold the Lease within this long of the check (a SIGKILLed leader's Lease lasts 15 s). */
const LEADER_WAIT_MS = 30_000;

/** Host IDs by pod, from the FaunaCluster's status. */
async function hostIds(t: HarnessTarget): Promise<Map<string, string>> {
  const fc = await readCluster(t);
  return new Map((fc.status?.nodes ?? []).map((n) => [n.pod, n.hostId ?? ""]));
}

/** Every pod came back as a new pod (new UID) carrying its old host ID (FaunaDB identity survives on the volume). */
async function sameHostsOnNewPods(t: HarnessTarget, replica: string, killed: PodIdentity[], hostsBefore: Map<string, string>): Promise<Expectation> {
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
    return () => sameHostsOnNewPods(t, KILLED_NODE_REPLICA, [victim], hostsBefore);
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
    return () => sameHostsOnNewPods(t, KILLED_REPLICA, pods, hostsBefore);
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
    return async ({ wasNotReady }) => {
      const deadline = Date.now() + LEADER_WAIT_MS;
      let holder = await leaseHolder(t).catch(() => "");
      while ((holder === "" || holder === leader) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 1000));
        holder = await leaseHolder(t).catch(() => "");
      }
      const problems = [
        ...(holder === "" || holder === leader ? [`Lease still ${holder ? `held by the killed ${leader}` : "unheld"}`] : []),
        ...(wasNotReady ? ["the cluster was seen not Ready"] : []),
      ];
      return problems.length ? { met: false, detail: problems.join("; ") } : { met: true, detail: `leader ${leader} → ${holder}` };
    };
  },
};

export const SCENARIOS: readonly Scenario[] = [killNode, killReplica, killOperator];

export const NOT_RUN: readonly NotRun[] = [
  { name: "clock-skew", reason: "the local tier's simulator nodes share the host clock; skewing one needs simulator support" },
  { name: "network-partition", reason: "all pods of the local tier share one network namespace; cutting links needs simulator support" },
];

/** The scenarios named in `names` (all when empty); throws on an unknown name. */
export function selectScenarios(names: readonly string[]): Scenario[] {
  if (names.length === 0) return [...SCENARIOS];
  return names.map((n) => {
    const s = SCENARIOS.find((x) => x.name === n);
    if (!s) throw new Error(`unknown scenario ${n}; known: ${SCENARIOS.map((x) => x.name).join(", ")}`);
    return s;
  });
}

import { test } from "node:test";
import assert from "node:assert/strict";
import type { HarnessTarget, Kubectl } from "./kube.ts";
import { clockSkew, killNode, killOperator, killOperatorMidChange, killReplica, networkPartition, selectScenarios } from "./scenarios.ts";
import { CLOCK_OFFSET_ANNOTATION } from "../localtier/runner/clockOffset.ts";
import { NETWORK_ANNOTATION } from "../localtier/runner/networkIsolation.ts";
import { localBackend } from "./localBackend.ts";

/** A fake cluster: pods with UIDs, host IDs in the FaunaCluster status, a Lease; deletions recreate pods. */
function fakeTarget(o: { keepHostIds?: boolean; newLeader?: string } = {}) {
  const calls: string[][] = [];
  let generation = 0;
  const pods = new Map([["fauna-replica-2-0", "r2-0"], ["fauna-replica-3-0", "r3-0"], ["fauna-replica-3-1", "r3-1"]]);
  const hosts = new Map([["fauna-replica-2-0", "h20"], ["fauna-replica-3-0", "h30"], ["fauna-replica-3-1", "h31"]]);
  let holder = "op-a";
  const kubectl: Kubectl = async (args) => {
    calls.push(args);
    const verb = args[2];
    if (verb === "delete") {
      generation++;
      for (const p of args.slice(4).filter((a) => !a.startsWith("--"))) {
        if (p === holder) holder = o.newLeader ?? "";
        else {
          pods.set(p, `${pods.get(p)}-new${generation}`);
          if (o.keepHostIds === false) hosts.set(p, `${hosts.get(p)}-fresh`);
        }
      }
      return "";
    }
    if (verb === "get" && args[3] === "pods") {
      const replica = /replica=(\S+)/.exec(args[5] ?? "")?.[1];
      const items = [...pods].filter(([n]) => n.includes(replica ?? "?")).map(([name, uid]) => ({ metadata: { name, uid } }));
      return JSON.stringify({ items });
    }
    if (verb === "get" && args[3] === "faunacluster") {
      return JSON.stringify({ metadata: { generation: 1 }, spec: {}, status: { nodes: [...hosts].map(([pod, hostId]) => ({ pod, replica: "", hostId })) } });
    }
    if (verb === "get" && args[3] === "lease") return JSON.stringify({ spec: { holderIdentity: holder } });
    throw new Error(`unexpected kubectl ${args.join(" ")}`);
  };
  const t: HarnessTarget = { kubectl, namespace: "ns", cluster: "fauna", operator: { namespace: "op-ns", lease: "lease" }, backend: localBackend() };
  return { t, calls };
}

test("kill-node force-deletes the last pod of replica-2 and expects it back with its host ID", async () => {
  const { t, calls } = fakeTarget();
  const { check } = await killNode.inject(t);
  assert.deepEqual(calls.find((c) => c[2] === "delete"), ["-n", "ns", "delete", "pod", "fauna-replica-2-0", "--grace-period=0", "--force", "--wait=false"]);
  assert.deepEqual(await check({ wasNotReady: true }), { met: true, detail: "fauna-replica-2-0 recreated with host ID h20" });
});

test("kill-replica deletes every pod of replica-3 in one call; a new host ID fails the expectation", async () => {
  const { t, calls } = fakeTarget({ keepHostIds: false });
  const { check } = await killReplica.inject(t);
  const deletes = calls.filter((c) => c[2] === "delete");
  assert.equal(deletes.length, 1);
  assert.deepEqual(deletes[0]!.slice(4, 6), ["fauna-replica-3-0", "fauna-replica-3-1"]);
  const e = await check({ wasNotReady: true });
  assert.equal(e.met, false);
  assert.match(e.detail, /fauna-replica-3-0 host ID h30 → h30-fresh; fauna-replica-3-1 host ID h31 → h31-fresh/);
});

test("kill-operator deletes the Lease holder's pod in the operator namespace and expects a new holder and no not-Ready", async () => {
  const { t, calls } = fakeTarget({ newLeader: "op-b" });
  const { check } = await killOperator.inject(t);
  assert.deepEqual(calls.find((c) => c[2] === "delete")?.slice(0, 5), ["-n", "op-ns", "delete", "pod", "op-a"]);
  assert.deepEqual(await check({ wasNotReady: false }), { met: true, detail: "leader op-a → op-b" });
  assert.deepEqual(await check({ wasNotReady: true }), { met: false, detail: "the cluster was seen not Ready" });
});

test("scenario selection keeps the given order and refuses unknown names", () => {
  assert.deepEqual(selectScenarios([]).map((s) => s.name), ["kill-node", "kill-replica", "kill-operator", "clock-skew", "network-partition", "kill-operator-mid-change"]);
  assert.deepEqual(selectScenarios(["kill-operator", "kill-node"]).map((s) => s.name), ["kill-operator", "kill-node"]);
  assert.throws(() => selectScenarios(["partition"]), /unknown scenario partition/);
});

test("clock-skew annotates one replica-1 pod +5s, removes it on heal, and checks the node's own clock both times", async () => {
  const calls: string[][] = [];
  let offsetMs = 0;
  const kubectl: Kubectl = async (args) => {
    calls.push(args);
    if (args[2] === "get" && args[3] === "pods") return JSON.stringify({ items: [{ metadata: { name: "fauna-replica-1-0", uid: "u" } }] });
    if (args[2] === "annotate") {
      const set = /=\+(\d+)s$/.exec(args[5] ?? "");
      offsetMs = set ? Number(set[1]) * 1000 : 0;
      return "";
    }
    throw new Error(`unexpected kubectl ${args.join(" ")}`);
  };
  const skewed = async () => Date.now() + offsetMs;
  const t: HarnessTarget = { kubectl, namespace: "ns", cluster: "fauna", operator: { namespace: "op", lease: "l" }, backend: localBackend(), nodeClock: skewed };
  const injected = await clockSkew.inject(t);
  assert.deepEqual(calls.find((c) => c[2] === "annotate"), ["-n", "ns", "annotate", "pod", "fauna-replica-1-0", `${CLOCK_OFFSET_ANNOTATION}=+5s`, "--overwrite"]);
  await injected.heal?.();
  assert.deepEqual(calls.filter((c) => c[2] === "annotate").at(-1), ["-n", "ns", "annotate", "pod", "fauna-replica-1-0", `${CLOCK_OFFSET_ANNOTATION}-`]);
  const ok = await injected.check({ wasNotReady: false });
  assert.equal(ok.met, true, ok.detail);
  assert.match(ok.detail, /fauna-replica-1-0 ran 5\.0 s ahead, then 0\.0 s/);
  assert.equal((await injected.check({ wasNotReady: true })).met, false);
});

test("clock-skew fails its expectation when the node's clock does not move (the fault did not land)", async () => {
  const kubectl: Kubectl = async (args) =>
    args[2] === "get" ? JSON.stringify({ items: [{ metadata: { name: "fauna-replica-1-0", uid: "u" } }] }) : "";
  const t: HarnessTarget = { kubectl, namespace: "ns", cluster: "fauna", operator: { namespace: "op", lease: "l" }, backend: localBackend(), nodeClock: async () => Date.now() };
  const injected = await clockSkew.inject(t);
  await injected.heal?.();
  const e = await injected.check({ wasNotReady: false });
  assert.equal(e.met, false);
  assert.match(e.detail, /fauna-replica-1-0 ran 0\.0 s ahead during the fault, not 5 s/);
});

/** A cluster whose replica-2 pod is reported down while isolated (or, with `lands: false`, never). */
function partitionTarget(lands = true) {
  const calls: string[][] = [];
  let isolated = false;
  const kubectl: Kubectl = async (args) => {
    calls.push(args);
    if (args[2] === "get" && args[3] === "pods") return JSON.stringify({ items: [{ metadata: { name: "fauna-replica-2-0", uid: "u" } }] });
    if (args[2] === "annotate") {
      isolated = !(args[5] ?? "").endsWith("-");
      return "";
    }
    if (args[2] === "get" && args[3] === "faunacluster") {
      const status = isolated && lands ? "down" : "up";
      return JSON.stringify({ metadata: { generation: 1 }, spec: {}, status: { nodes: [{ pod: "fauna-replica-2-0", replica: "replica-2", hostId: "h20", status }] } });
    }
    throw new Error(`unexpected kubectl ${args.join(" ")}`);
  };
  const t: HarnessTarget = { kubectl, namespace: "ns", cluster: "fauna", operator: { namespace: "op", lease: "l" }, backend: localBackend() };
  return { t, calls };
}

test("network-partition isolates a replica-2 pod by annotation, sees it reported down, reconnects it on heal", async () => {
  const { t, calls } = partitionTarget();
  const injected = await networkPartition.inject(t);
  assert.deepEqual(calls.find((c) => c[2] === "annotate"), ["-n", "ns", "annotate", "pod", "fauna-replica-2-0", `${NETWORK_ANNOTATION}=isolated`, "--overwrite"]);
  await injected.heal?.();
  assert.deepEqual(calls.filter((c) => c[2] === "annotate").at(-1), ["-n", "ns", "annotate", "pod", "fauna-replica-2-0", `${NETWORK_ANNOTATION}-`]);
  assert.deepEqual(await injected.check({ wasNotReady: true }), { met: true, detail: "fauna-replica-2-0 down while cut off, back up as h20" });
});

test("network-partition fails its expectation when the host is never reported down (the cut did not land)", { timeout: 60_000 }, async () => {
  const { t } = partitionTarget(false);
  const injected = await networkPartition.inject(t);
  await injected.heal?.();
  const e = await injected.check({ wasNotReady: false });
  assert.equal(e.met, false);
  assert.match(e.detail, /fauna-replica-2-0 was never reported down: the partition did not land/);
});

test("kill-operator-mid-change grows replica-3 by one, kills the leader once the change shows, and checks the next leader finished it", async () => {
  const calls: string[][] = [];
  let nodes = 1;
  let holder = "op-a";
  const kubectl: Kubectl = async (args) => {
    calls.push(args);
    if (args[2] === "patch") {
      nodes = (JSON.parse(args[args.length - 1] ?? "[]") as { value: number }[])[0]?.value ?? nodes;
      return "";
    }
    if (args[2] === "delete") {
      holder = "op-b";
      return "";
    }
    if (args[2] === "get" && args[3] === "lease") return JSON.stringify({ spec: { holderIdentity: holder } });
    if (args[2] === "get" && args[3] === "faunacluster") {
      const members = Array.from({ length: holder === "op-b" ? nodes : 1 }, (_, i) => ({ pod: `fauna-replica-3-${i}`, replica: "replica-3", hostId: `h${i}`, state: "live", status: "up" }));
      return JSON.stringify({
        metadata: { generation: 2 },
        spec: { replicas: [{ name: "replica-1", nodes: 1 }, { name: "replica-2", nodes: 1 }, { name: "replica-3", nodes }] },
        status: { conditions: [{ type: "TopologyReady", status: nodes > 1 ? "False" : "True", observedGeneration: 2 }], nodes: members },
      });
    }
    throw new Error(`unexpected kubectl ${args.join(" ")}`);
  };
  const t: HarnessTarget = { kubectl, namespace: "ns", cluster: "fauna", operator: { namespace: "op-ns", lease: "l" }, backend: localBackend() };
  const injected = await killOperatorMidChange.inject(t);
  assert.deepEqual(calls.find((c) => c[2] === "patch")?.slice(-1), [JSON.stringify([{ op: "replace", path: "/spec/replicas/2/nodes", value: 2 }])]);
  assert.deepEqual(calls.find((c) => c[2] === "delete")?.slice(0, 5), ["-n", "op-ns", "delete", "pod", "op-a"]);
  const e = await injected.check({ wasNotReady: true });
  assert.equal(e.met, true, e.detail);
  assert.equal(e.detail, "leader op-a killed while the change was in flight; op-b finished: replica-3 1 → 2 live");
});

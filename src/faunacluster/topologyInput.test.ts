import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1PersistentVolumeClaim, V1Pod, V1StatefulSet } from "@kubernetes/client-node";
import type { FaunaCluster } from "../api/types.ts";
import type { Observed } from "./observe.ts";
import { replicaNames, slots } from "./slots.ts";
import { NO_VIEW } from "./faunaView.ts";
import { initialPlanState } from "./plan/types.ts";
import { kubeObservation, persistedPlanState } from "./topologyInput.ts";

const cluster: FaunaCluster = {
  apiVersion: "fauna-operator.io/v1alpha1",
  kind: "FaunaCluster",
  metadata: { name: "fc", namespace: "ns", uid: "u1" },
  spec: { image: "x", replicas: [{ name: "r1", type: "data+log", nodes: 2 }] },
};
const label = (replica: string) => ({ "fauna-operator.io/replica": replica });
const pod = (name: string, replica: string, ip?: string): V1Pod => ({
  metadata: { name, labels: label(replica) },
  status: { phase: "Running", ...(ip ? { podIP: ip } : {}), conditions: [{ type: "Ready", status: "True" }] },
});
const pvc = (name: string): V1PersistentVolumeClaim => ({ metadata: { name }, status: { phase: "Bound" } });
const sts = (replica: string, replicas: number): V1StatefulSet => ({ metadata: { name: `fc-${replica}`, labels: label(replica) }, spec: { replicas } as V1StatefulSet["spec"] });

function observed(o: Partial<Observed>): Observed {
  return { cluster, statefulSets: [], pods: [], pvcs: [], services: [], configMaps: [], pdbs: [], networkPolicies: [], ...o };
}

describe("topology input", () => {
  it("lists every ordinal with a pod or a PVC, including replicas that only have a StatefulSet left", () => {
    const o = observed({
      statefulSets: [sts("r1", 2), sts("old", 1)],
      pods: [pod("fc-r1-0", "r1", "10.244.0.1"), pod("fc-old-0", "old")],
      pvcs: [pvc("data-fc-r1-0"), pvc("data-fc-r1-1"), pvc("data-fc-r1-10")],
    });
    assert.deepEqual(replicaNames(o), ["r1", "old"]);
    const all = slots(o);
    assert.deepEqual(all.map((s) => s.name), ["fc-r1-0", "fc-r1-1", "fc-r1-10", "fc-old-0"]);
    assert.equal(all[1]?.dnsName, "fc-r1-1.fc-r1.ns.svc.cluster.local");
    const kube = kubeObservation(o, all, [
      { pod: "fc-r1-0", kind: "member", hostId: "h0", needsCleanup: false, view: { pod: "fc-r1-0", hostId: "h0", members: [], replication: null, movementIdle: null } },
      { pod: "fc-old-0", kind: "unreachable", error: "x" },
    ]);
    assert.deepEqual(kube.statefulSets, { r1: 2, old: 1 });
    const [p0, p1] = kube.pods;
    assert.deepEqual(p0?.admin, { kind: "member", hostId: "h0", needsCleanup: false });
    assert.equal(p0?.ready, true);
    assert.equal(p1?.exists, false, "a PVC without a pod is an ordinal whose pod is gone");
    assert.deepEqual(p1?.pvc, { exists: true, bound: true, uid: undefined });
    assert.deepEqual(p1?.admin, { kind: "unreachable" });
  });

});

describe("the plan state read back from status (a cache, not an authority)", () => {
  const withPlan = (plan: unknown, stsSize = 2): Parameters<typeof persistedPlanState>[0] => ({
    cluster: { ...cluster, status: { topology: { operation: "none", plan } as never } },
    kube: observed({ statefulSets: [sts("r1", stsSize)] }),
    fauna: NO_VIEW,
  });
  const good = { ...initialPlanState(), accepted: [{ name: "r1", type: "data+log", nodes: 2 }], initialized: true, bootstrapped: true };

  it("a well-formed state is taken as it is", () => {
    const { state, problems } = persistedPlanState(withPlan(good));
    assert.deepEqual(problems, []);
    assert.deepEqual(state.accepted, good.accepted);
    assert.equal(state.initialized, true);
  });

  it("malformed fields fall back to their initial value and are named", () => {
    const { state, problems } = persistedPlanState(withPlan({ ...good, downSince: { h: "yesterday" }, inFlight: { kind: "remove", stage: "vanishing" } }));
    assert.deepEqual(state.downSince, {});
    assert.equal(state.inFlight, null);
    assert.deepEqual(problems, ["status.topology.plan.inFlight is malformed", "status.topology.plan.downSince is malformed"]);
  });

  it("an accepted topology outside what runs and what the spec asks is dropped (it would shrink the cluster)", () => {
    const { state, problems } = persistedPlanState(withPlan({ ...good, accepted: [{ name: "r1", type: "data+log", nodes: 1 }] }));
    assert.equal(state.accepted, null);
    assert.match(problems[0] ?? "", /gives r1 1 node\(s\), outside what runs \(2\) and what the spec asks \(2\)/);
  });

  it("an accepted type that is neither the spec's nor FaunaDB's is dropped", () => {
    const { state, problems } = persistedPlanState(withPlan({ ...good, accepted: [{ name: "r1", type: "data", nodes: 2 }] }));
    assert.equal(state.accepted, null);
    assert.match(problems[0] ?? "", /type data/);
  });

  it("between the running size and the spec is fine (a change under way)", () => {
    const { problems } = persistedPlanState(withPlan({ ...good, accepted: [{ name: "r1", type: "data+log", nodes: 3 }] }, 4));
    assert.deepEqual(problems, []);
  });
});

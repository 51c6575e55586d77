// Scale-down, one host at a time from the highest ordinal, as FaunaDB's own QA removes a node (FACTS Corrections 2;
// qa/src/main/scala/qa/operator/RemoveNode.scala → WaitForTopology → ForceRemoveNode; NodeRemovalSpec.scala):
// clean storage on every member (polled, re-issued until clean) → graceful remove, which only marks the host leaving
// → wait until data movement is idle and the host owns nothing → forced remove, which takes it out of membership →
// shrink the StatefulSet → release the PVC. A graceful removal alone never ends: FaunaDB keeps the host as `removed`
// with Owns 0 for ever. Every stage is recorded before the call it guards, so a restart resumes.
import type { MemberStatus } from "../../fauna/statusParse.ts";
import { inMembership } from "../faunaView.ts";
import { handedOver } from "./guard.ts";
import { podGone } from "./deadNodes.ts";
import { WAIT_MS, type InFlight, type PlanAction } from "./types.ts";
import {
  adminVia, currentType, holdsData, memberAddresses, memberById, memberOfPod, podAt, podNamed, wait,
  type Step, type StepOutcome, type View,
} from "./view.ts";

type Removal = InFlight & { kind: "remove" };

/** Replicas in the accepted topology first, then replicas that still have a StatefulSet but left the spec. */
export function replicaCounts(view: View): { replica: string; nodes: number }[] {
  const accepted = view.topology.map((r) => ({ replica: r.name, nodes: r.nodes }));
  const dropped = Object.keys(view.input.kube.statefulSets)
    .filter((name) => !view.topology.some((r) => r.name === name))
    .sort()
    .map((replica) => ({ replica, nodes: 0 }));
  return [...accepted, ...dropped];
}

export const startScaleDown: Step = {
  name: "StartScaleDown",
  run(view) {
    for (const { replica, nodes } of replicaCounts(view)) {
      const size = view.input.kube.statefulSets[replica] ?? 0;
      if (size <= nodes) continue;
      const ordinal = size - 1;
      const pod = podAt(view, replica, ordinal);
      const host = pod ? memberOfPod(view, pod) : undefined;
      const record: Removal = {
        kind: "remove", stage: "cleaning", replica, ordinal, pod: pod?.name ?? `${replica}-${ordinal}`, hostId: host?.hostId ?? null,
      };
      if (!host || !inMembership(host)) return shrink(view, { ...record, stage: "shrinking" }); // never joined: nothing to move
      // Compute hosts hold no data: no storage to clean first (allow_unclean, FACTS §2).
      return holdsData(currentType(view, replica)) ? cleanStorage(view, record, memberAddresses(view)) : removeHost(view, { ...record, stage: "leaving" }, host, false);
    }
    return null;
  },
};

export function continueRemoval(view: View, record: Removal): StepOutcome {
  const host = memberById(view, record.hostId);
  const present = host !== undefined && inMembership(host);
  switch (record.stage) {
    case "cleaning": {
      if (!present) return shrink(view, { ...record, stage: "shrinking" });
      if (host.status === "down") return removeDeadHost(view, record, host);
      const dirty = view.input.kube.pods.filter((p) => p.admin.kind === "member" && p.admin.needsCleanup !== false);
      // Cleanup is asynchronous and refused while the topology is unstable (StorageCleaner.scala): poll, re-issue.
      if (dirty.length > 0) return cleanStorage(view, record, dirty.map((p) => p.address));
      return removeHost(view, { ...record, stage: "leaving" }, host, false);
    }
    case "leaving": {
      if (!present) return shrink(view, { ...record, stage: "shrinking" });
      if (host.status === "down") return removeDeadHost(view, record, host);
      if (host.state === "live") return removeHost(view, record, host, false); // the call did not land yet: it is idempotent
      if (!handedOver(view.input, host)) {
        return wait("DataMoving", `host ${host.hostId} is leaving: waiting until it owns nothing (${own(host)}) and data movement is idle`, WAIT_MS.movement);
      }
      return removeHost(view, { ...record, stage: "forcing" }, host, true);
    }
    case "forcing":
      if (present) return removeHost(view, record, host, true);
      return shrink(view, { ...record, stage: "shrinking" });
    case "shrinking":
      return shrink(view, record);
  }
}

/**
 * A host being removed that FaunaDB sees down cannot hand its data over. With its pod gone it is forced out (the
 * other replicas hold its data); with its pod still Running it may come back and finish, so it is waited for.
 */
function removeDeadHost(view: View, record: Removal, host: MemberStatus): StepOutcome {
  if (!podGone(podNamed(view, record.pod))) {
    return wait("NodeDown", `host ${host.hostId} is down while being removed and its pod ${record.pod} is Running; waiting for it`, WAIT_MS.short);
  }
  return removeHost(view, { ...record, stage: "forcing" }, host, true);
}

function own(m: MemberStatus): string {
  return `owns ${m.ownership.toFixed(2)}, goal ${m.ownershipGoal.toFixed(2)}`;
}

function cleanStorage(view: View, record: Removal, addresses: string[]): StepOutcome {
  const actions: PlanAction[] = sameRecord(view, record) ? [] : [{ kind: "setInFlight", record }];
  return {
    actions: [...actions, { kind: "cleanStorage", addresses }, { kind: "wait", reason: "StorageCleanup", message: `waiting for storage cleanup on ${addresses.join(", ")}`, afterMs: WAIT_MS.cleanup }],
    state: { inFlight: record },
  };
}

function removeHost(view: View, record: Removal, host: MemberStatus, force: boolean): StepOutcome {
  const via = adminVia(view, record.pod) ?? (host.status === "up" ? podNamed(view, record.pod)?.address ?? null : null);
  if (via === null) return wait("NoMemberReachable", `no member to remove ${host.hostId} through`, WAIT_MS.short);
  const allowUnclean = force || !holdsData(currentType(view, record.replica));
  const action: PlanAction = { kind: "removeHost", via, hostId: host.hostId, force, allowUnclean };
  return { actions: [{ kind: "setInFlight", record }, action], state: { inFlight: record } };
}

/** Only once the host is out of membership: shrink the StatefulSet, then release the PVC once the pod is gone. */
function shrink(view: View, record: Removal): StepOutcome {
  const setRecord: PlanAction[] = sameRecord(view, record) ? [] : [{ kind: "setInFlight", record }];
  const size = view.input.kube.statefulSets[record.replica] ?? 0;
  if (size > record.ordinal) {
    return {
      actions: [...setRecord, { kind: "scaleStatefulSet", replica: record.replica, replicas: record.ordinal }],
      state: { inFlight: record },
    };
  }
  // By ordinal, not record.pod: a removal recorded before its pod existed has no real pod name.
  const pod = podAt(view, record.replica, record.ordinal);
  if (pod?.exists) return { ...wait("PodTerminating", `waiting for ${pod.name} to be deleted`, WAIT_MS.short), state: { inFlight: record } };
  const release: PlanAction[] = pod?.pvc.exists ? [{ kind: "deletePVC", pod: pod.name, uid: pod.pvc.uid }] : [];
  return { actions: [...setRecord, ...release, { kind: "clearInFlight" }], state: { inFlight: null } };
}

function sameRecord(view: View, record: Removal): boolean {
  return JSON.stringify(view.input.state.inFlight) === JSON.stringify(record);
}

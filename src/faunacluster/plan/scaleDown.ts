// Scale-down, one host at a time from the highest ordinal (cass-operator decommission, FACTS §7.5):
// clean storage → graceful remove → wait until it left membership and movement is idle → shrink the
// StatefulSet → delete the PVC. Every stage is recorded before the call it guards, so a restart resumes.
import type { MemberStatus } from "../../fauna/statusParse.ts";
import { WAIT_MS, type InFlight, type PlanAction } from "./types.ts";
import {
  adminVia, currentType, holdsData, memberAddresses, memberById, memberOfPod, podAt, podNamed, wait,
  type Step, type StepOutcome, type View,
} from "./view.ts";

type Removal = InFlight & { kind: "remove" };

/** Replicas in the accepted topology first, then replicas that still have a StatefulSet but left the spec. */
function replicaCounts(view: View): { replica: string; nodes: number }[] {
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
      if (!host) return shrink(view, { ...record, stage: "shrinking" }); // never joined: nothing to move
      // Compute hosts hold no data: removal needs no clean storage (allow_unclean defaults true for them, FACTS §2).
      return holdsData(currentType(view, replica)) ? cleanStorage(view, record) : removeHost(view, { ...record, stage: "leaving" }, host);
    }
    return null;
  },
};

export function continueRemoval(view: View, record: Removal): StepOutcome {
  const host = memberById(view, record.hostId);
  if (record.stage === "cleaning") {
    if (!host) return shrink(view, { ...record, stage: "shrinking" });
    const dirty = view.input.kube.pods.filter((p) => p.admin.kind === "member" && p.admin.needsCleanup !== false);
    if (dirty.length > 0) {
      // Graceful removal is refused until storage is clean everywhere (FACTS §7.5): QA waits for needs-cleanup=false.
      return wait("StorageCleanup", `waiting for storage cleanup on ${dirty.map((p) => p.name).join(", ")}`, WAIT_MS.cleanup);
    }
    return removeHost(view, { ...record, stage: "leaving" }, host);
  }
  if (record.stage === "leaving") {
    if (host?.state === "live") return removeHost(view, record, host); // the call did not land yet; removal is idempotent
    // A leaving host that died never finishes leaving by itself: it is dropped by force (FACTS §7.5).
    if (host?.status === "down") return removeHost(view, record, host);
    if (host) return wait("HostLeaving", `host ${host.hostId} is handing its data over and leaving membership`, WAIT_MS.movement);
    if (view.input.fauna.movementIdle !== true) return wait("DataMoving", "waiting for data movement to finish", WAIT_MS.movement);
    return shrink(view, { ...record, stage: "shrinking" });
  }
  return shrink(view, record);
}

function cleanStorage(view: View, record: Removal): StepOutcome {
  return {
    actions: [{ kind: "setInFlight", record }, { kind: "cleanStorage", addresses: memberAddresses(view) }],
    state: { inFlight: record },
  };
}

function removeHost(view: View, record: Removal, host: MemberStatus): StepOutcome {
  const via = adminVia(view, record.pod) ?? (host.status === "up" ? podNamed(view, record.pod)?.address ?? null : null);
  if (via === null) return wait("NoMemberReachable", `no member to remove ${host.hostId} through`, WAIT_MS.short);
  // Graceful only works for a live node; a dead one is forced (FACTS §7.5).
  const down = host.status === "down";
  const action: PlanAction = { kind: "removeHost", via, hostId: host.hostId, force: down, allowUnclean: down || !holdsData(currentType(view, record.replica)) };
  return { actions: [{ kind: "setInFlight", record }, action], state: { inFlight: record } };
}

/** Only once the host left: shrink the StatefulSet, then release the PVC once the pod is gone. */
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
  const release: PlanAction[] = pod?.pvc.exists ? [{ kind: "deletePVC", pod: pod.name }] : [];
  return { actions: [...setRecord, ...release, { kind: "clearInFlight" }], state: { inFlight: null } };
}

function sameRecord(view: View, record: Removal): boolean {
  return JSON.stringify(view.input.state.inFlight) === JSON.stringify(record);
}

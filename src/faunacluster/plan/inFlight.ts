// Finish what a previous pass (or a previous operator process) started before anything new (STYLE idiom 6). The
// record comes from status, which is a cache and not an authority (issue 10): before it is continued it must still
// fit the accepted topology and the observation; otherwise it is discarded with a Warning and the planner starts over
// from what it sees.
import { WAIT_MS, type InFlight } from "./types.ts";
import { continueReplace } from "./deadNodes.ts";
import { continueRemoval, replicaCounts } from "./scaleDown.ts";
import { memberOfPod, podAt, podNamed, wait, type Step, type View } from "./view.ts";

export const resumeInFlight: Step = {
  name: "ResumeInFlight",
  run(view, state) {
    const record = state.inFlight;
    if (record === null) return null;
    const problem = recordProblem(view, record);
    if (problem !== null) return { actions: [{ kind: "discardInFlight", why: problem }], state: { inFlight: null } };
    switch (record.kind) {
      case "init": {
        const pod = podNamed(view, record.pod);
        if (pod?.admin.kind === "member") return { actions: [{ kind: "clearInFlight" }], state: { inFlight: null } };
        if (pod?.exists && pod.admin.kind === "not-member") {
          // Killed between recording and calling, or the call failed: init again ("already a member" is success).
          return { actions: [{ kind: "initNode", pod: pod.name, address: pod.address, replica: record.replica }] };
        }
        return wait("WaitingForPods", `waiting for ${record.pod} to answer on its admin port to initialise it`, WAIT_MS.pods);
      }
      case "remove":
        return continueRemoval(view, record);
      case "replace":
        return continueReplace(view, record);
    }
  },
};

/** Why a record read from status must not be continued, or null. */
export function recordProblem(view: View, record: InFlight): string | null {
  const where = `in-flight ${record.kind} of ${"pod" in record ? record.pod : "?"}`;
  switch (record.kind) {
    case "init": {
      const first = view.topology.find((r) => r.type === "data+log");
      const pod = first ? podAt(view, first.name, 0) : undefined;
      if (!first || record.replica !== first.name || (pod !== undefined && pod.name !== record.pod)) {
        return `${where}: init belongs to ordinal 0 of the first data+log replica`;
      }
      return null;
    }
    case "remove": {
      // A replica that left the spec may have lost its StatefulSet before its last volume was released.
      const target = replicaCounts(view).find((r) => r.replica === record.replica) ??
        (view.input.kube.pods.some((p) => p.replica === record.replica) ? { replica: record.replica, nodes: 0 } : undefined);
      if (!target) return `${where}: replica ${record.replica} has no StatefulSet, pod or volume`;
      if (!Number.isInteger(record.ordinal) || record.ordinal < target.nodes) {
        return `${where}: ordinal ${record.ordinal} of ${record.replica} is not being scaled away (the accepted topology keeps ${target.nodes})`;
      }
      const pod = podAt(view, record.replica, record.ordinal);
      const holder = pod ? memberOfPod(view, pod) : undefined;
      if (holder && record.hostId !== null && holder.hostId !== record.hostId) {
        return `${where}: it names host ${record.hostId}, but ${pod?.name} is host ${holder.hostId}`;
      }
      if (holder && record.hostId === null && record.stage !== "shrinking") return `${where}: it names no host, but ${pod?.name} is host ${holder.hostId}`;
      if (holder && record.stage === "shrinking") return `${where}: stage shrinking, but ${pod?.name} is still host ${holder.hostId}`;
      return null;
    }
    case "replace": {
      if (!replicaCounts(view).some((r) => r.replica === record.replica)) return `${where}: replica ${record.replica} is gone`;
      return null;
    }
  }
}

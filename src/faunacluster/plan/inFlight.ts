// Finish what a previous pass (or a previous operator process) started before anything new (STYLE idiom 6).
import { WAIT_MS } from "./types.ts";
import { continueReplace } from "./deadNodes.ts";
import { continueRemoval } from "./scaleDown.ts";
import { podNamed, wait, type Step } from "./view.ts";

export const resumeInFlight: Step = {
  name: "ResumeInFlight",
  run(view, state) {
    const record = state.inFlight;
    if (record === null) return null;
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

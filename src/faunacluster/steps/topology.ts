// Topology (issue 5): build the planner input from the pass's observation, plan, and run the planner's actions in order,
// stopping at the first failure. A `setInFlight` record is written to status before the action it guards; the
// plan state is persisted with the pass's status write. Every action and refusal becomes an Event.
import { isAdminError } from "../../fauna/errors.ts";
import { Resources } from "../../kube/resource.ts";
import { DATA_VOLUME, statefulSetName } from "../../api/funcs.ts";
import { EventReason } from "../events.ts";
import type { FaunaAdmin } from "../../fauna/client.ts";
import { adminNode } from "../observe.ts";
import { next, retryIn, type Pass, type Step } from "../pass.ts";
import { plan } from "../plan/plan.ts";
import type { PlanAction, PlanDecision, PlanState } from "../plan/types.ts";
import { planInput } from "../topologyInput.ts";
import { topologyStatus, type TopologyStatus } from "../status.ts";

/**
 * After an action, look again soon: the next pass observes its effect. Its call has answered (a join answers once
 * the node's daemon runs), so there is nothing to wait for: 1 s per action was most of the operator's overhead on a
 * 3 × 3 creation (nine actions in a row, issue 14).
 */
const AFTER_ACTION_MS = 200;
const AFTER_FAILURE_MS = 5_000;

export const topology: Step = {
  name: "Topology",
  async run(pass, obs) {
    const admin = obs.admin;
    if (!admin) throw new Error("topology runs after EnsureRootKey found a usable root key");
    const { input, stateProblems } = planInput(obs, pass.deps.forceRemoveGraceSeconds, pass.deps.clock.now());
    for (const problem of stateProblems) {
      await pass.event({ type: "Warning", reason: EventReason.StatusDiscarded, message: problem });
    }
    pass.findings.input = input;
    const decision = plan(input);
    pass.findings.decision = decision;
    pass.log.debug({ step: decision.step, actions: decision.actions.map((a) => a.kind), hold: decision.hold?.reason }, "topology plan");
    await reportRefusal(pass, decision);
    await reportHold(pass, decision);

    const addressToNode = new Map(obs.slots.map((s) => [s.dnsName, adminNode(pass.deps, s) ?? s.dnsName]));
    const nodeFor = (address: string) => addressToNode.get(address) ?? address;
    let acted = false;
    try {
      for (const action of decision.actions) {
        if (action.kind === "wait") {
          pass.findings.topologyMessage = action.message;
          pass.status.topology = topologyStatus(pass, decision.state);
          return retryIn(action.afterMs);
        }
        if (action.kind === "done") {
          pass.findings.topologyMessage = "the topology matches the spec";
          pass.status.topology = topologyStatus(pass, decision.state);
          return acted ? retryIn(AFTER_ACTION_MS) : next();
        }
        const started = pass.deps.clock.now();
        await execute(pass, admin, action, decision.state, nodeFor);
        pass.log.debug({ action: action.kind, ms: pass.deps.clock.now() - started }, "action done");
        acted = true;
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      pass.findings.topologyError = message;
      // Not the decision's state: it describes the world after every action, and one failed (a PVC delete that did
      // not happen must not clear the removal that waits for it). Keep the state as it stood before the actions,
      // with any in-flight record already written by setInFlight.
      const before = (pass.status.topology as TopologyStatus | undefined)?.plan ?? input.state;
      pass.status.topology = topologyStatus(pass, before);
      await pass.event({ type: "Warning", reason: EventReason.TopologyActionFailed, message });
      if (isAdminError(err)) return retryIn(AFTER_FAILURE_MS);
      throw err;
    }
    pass.status.topology = topologyStatus(pass, decision.state);
    return acted ? retryIn(AFTER_ACTION_MS) : next();
  },
};

/** A held-back destructive action is reported once per distinct reason and message (the condition carries it too). */
async function reportHold(pass: Pass, decision: PlanDecision): Promise<void> {
  const hold = decision.hold;
  if (!hold) return;
  const previous = (pass.original.topology as { message?: string } | undefined)?.message;
  if (hold.message !== previous) await pass.event({ type: "Warning", reason: hold.reason === "NodeDown" ? EventReason.NodeDown : EventReason.FaunaViewIncomplete, message: hold.message });
}

async function reportRefusal(pass: Pass, decision: PlanDecision): Promise<void> {
  const previous = (pass.original.topology as { refusal?: { message?: string } } | undefined)?.refusal?.message;
  if (decision.refusal && decision.refusal.message !== previous) {
    await pass.event({ type: "Warning", reason: EventReason.TopologyRefused, message: `${decision.refusal.reason}: ${decision.refusal.message}` });
  }
}

async function execute(pass: Pass, admin: FaunaAdmin, action: PlanAction, state: PlanState, nodeFor: (address: string) => string): Promise<void> {
  const { client } = pass.deps;
  const signal = pass.signal;
  const namespace = pass.cluster.metadata.namespace;
  const log = pass.log.child({ action: action.kind });
  switch (action.kind) {
    case "setInFlight":
      pass.status.topology = topologyStatus(pass, { ...state, inFlight: action.record });
      await pass.flushStatus();
      return;
    case "clearInFlight":
      return; // persisted with the pass's status write (state.inFlight is already null)
    case "discardInFlight":
      await pass.event({ type: "Warning", reason: EventReason.StatusDiscarded, message: `${action.why}; re-planning from what FaunaDB and Kubernetes show` });
      return; // state.inFlight is already null
    case "initNode":
      await pass.event({ type: "Normal", reason: EventReason.Initializing, message: `initialising the cluster on ${action.pod} (replica ${action.replica})` });
      log.info({ pod: action.pod }, "init");
      await admin.init(nodeFor(action.address), action.replica);
      return;
    case "joinNode":
      await pass.event({ type: "Normal", reason: EventReason.Joining, message: `joining ${action.pod} to replica ${action.replica} through ${action.seed.host}` });
      log.info({ pod: action.pod, seed: action.seed.host }, "join");
      await admin.join(nodeFor(action.address), action.seed, action.replica);
      return;
    case "putReplication": {
      const list = action.replicas.map((r) => `${r.name}=${r.type}`).join(", ");
      log.info({ replicas: list }, "put replication");
      const answer = await admin.putReplication(nodeFor(action.via), action.replicas, action.ifMatch);
      if (answer === "precondition-failed") {
        log.info("replication changed under us (412): re-reading next pass");
        return;
      }
      await pass.event({ type: "Normal", reason: EventReason.UpdatingReplication, message: `replication set to ${list}` });
      return;
    }
    case "cleanStorage":
      await pass.event({ type: "Normal", reason: EventReason.CleaningStorage, message: `cleaning storage on ${action.addresses.length} node(s)` });
      // Cleanup is asynchronous and refused while the topology is unstable (StorageCleaner.scala): the removal polls
      // needs-cleanup and re-issues it, so a refusal here is expected, not a failure.
      for (const address of action.addresses) {
        await admin.cleanStorage(nodeFor(address)).catch((err: unknown) => log.info({ node: address, err: String(err) }, "clean-storage not accepted yet"));
      }
      return;
    case "removeHost":
      await pass.event({
        type: "Normal",
        reason: EventReason.RemovingNode,
        message: `${action.force ? "force-removing" : "removing"} host ${action.hostId}`,
      });
      await admin.removeNode(nodeFor(action.via), action.hostId, { force: action.force, allowUnclean: action.allowUnclean });
      return;
    case "scaleStatefulSet":
      await pass.event({ type: "Normal", reason: EventReason.Scaling, message: `scaling replica ${action.replica} to ${action.replicas} pod(s)` });
      await client.patch(Resources.statefulSets, { namespace, name: statefulSetName(pass.cluster, action.replica) }, { spec: { replicas: action.replicas } }, { signal });
      return;
    case "deletePod":
      await pass.event({ type: "Normal", reason: EventReason.DeletingPod, message: `deleting pod ${action.pod}${action.why ? `: ${action.why}` : ""}` });
      await client.delete(Resources.pods, { namespace, name: action.pod }, { signal, preconditions: { uid: action.uid } });
      return;
    case "deletePVC":
      await pass.event({ type: "Normal", reason: EventReason.DeletingVolume, message: `releasing volume ${DATA_VOLUME}-${action.pod}` });
      await client.delete(Resources.persistentVolumeClaims, { namespace, name: `${DATA_VOLUME}-${action.pod}` }, { signal, preconditions: { uid: action.uid } });
      return;
    case "wait":
    case "done":
      return;
    default: {
      const unreachable: never = action;
      throw new Error(`unknown plan action ${JSON.stringify(unreachable)}`);
    }
  }
}

// Topology (issue 5): ask every node, build the planner input, plan, and run the planner's actions in order,
// stopping at the first failure. A `setInFlight` record is written to status before the action it guards; the
// plan state is persisted with the pass's status write. Every action and refusal becomes an Event.
import { isAdminError } from "../../fauna/errors.ts";
import { Resources } from "../../kube/resource.ts";
import { DATA_VOLUME, statefulSetName } from "../../api/funcs.ts";
import { EventReason } from "../events.ts";
import { isPodRunning, observeFauna, observeNodes } from "../observe.ts";
import { next, retryIn, type Pass, type StepResult } from "../pass.ts";
import { plan } from "../plan/plan.ts";
import { initialPlanState, type PlanAction, type PlanDecision, type PlanState } from "../plan/types.ts";
import { desiredTopology, faunaObservation, kubeObservation, persistedPlanState, slots } from "../topologyInput.ts";
import { topologyStatus } from "../status.ts";

/** After an action, look again soon: the next pass observes its effect. */
const AFTER_ACTION_MS = 1_000;
const AFTER_FAILURE_MS = 5_000;

export const topology = {
  name: "Topology",
  async run(pass: Pass): Promise<StepResult> {
    const o = pass.observed;
    const admin = pass.admin;
    if (!o || !admin) throw new Error("topology runs after Observe and EnsureRootKey");
    const all = slots(o, pass.deps.clusterDomain);
    const nodeOf = (s: (typeof all)[number]) =>
      s.pod && isPodRunning(s.pod) ? pass.deps.adminAddress({ name: s.name, dnsName: s.dnsName, podIP: s.pod.status?.podIP }) : undefined;
    const answers = await observeNodes(admin, all.map((s) => ({ pod: s.name, node: nodeOf(s), address: s.dnsName })), true);
    const memberSlots = all.filter((s) => answers.find((a) => a.pod === s.name)?.kind === "member");
    const fauna = await observeFauna(
      admin,
      memberSlots.flatMap((s) => {
        const node = nodeOf(s);
        return node === undefined ? [] : [{ pod: s.name, node }];
      }),
    );
    const kube = kubeObservation(o, all, answers);
    pass.findings.pods = kube.pods;
    pass.findings.fauna = faunaObservation(fauna);
    const state = persistedPlanState(pass.cluster) ?? initialPlanState();
    const decision = plan({
      desired: desiredTopology(pass.cluster, pass.deps.forceRemoveGraceSeconds),
      kube,
      fauna: pass.findings.fauna,
      state,
      now: pass.deps.clock.now(),
    });
    pass.findings.decision = decision;
    pass.log.debug({ step: decision.step, actions: decision.actions.map((a) => a.kind) }, "topology plan");
    await reportRefusal(pass, decision);

    const addressToNode = new Map(all.map((s) => [s.dnsName, nodeOf(s) ?? s.dnsName]));
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
        await execute(pass, action, decision.state, nodeFor);
        acted = true;
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      pass.findings.topologyError = message;
      pass.status.topology = topologyStatus(pass, decision.state);
      await pass.event({ type: "Warning", reason: EventReason.TopologyActionFailed, message });
      if (isAdminError(err)) return retryIn(AFTER_FAILURE_MS);
      throw err;
    }
    pass.status.topology = topologyStatus(pass, decision.state);
    return acted ? retryIn(AFTER_ACTION_MS) : next();
  },
};

async function reportRefusal(pass: Pass, decision: PlanDecision): Promise<void> {
  const previous = (pass.original.topology as { refusal?: { message?: string } } | undefined)?.refusal?.message;
  if (decision.refusal && decision.refusal.message !== previous) {
    await pass.event({ type: "Warning", reason: EventReason.TopologyRefused, message: `${decision.refusal.reason}: ${decision.refusal.message}` });
  }
}

async function execute(pass: Pass, action: PlanAction, state: PlanState, nodeFor: (address: string) => string): Promise<void> {
  const admin = pass.admin;
  if (!admin) throw new Error("no admin client");
  const { client } = pass.deps;
  const namespace = pass.cluster.metadata.namespace;
  const log = pass.log.child({ action: action.kind });
  switch (action.kind) {
    case "setInFlight":
      pass.status.topology = topologyStatus(pass, { ...state, inFlight: action.record });
      await pass.flushStatus();
      return;
    case "clearInFlight":
      return; // persisted with the pass's status write (state.inFlight is already null)
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
      for (const address of action.addresses) await admin.cleanStorage(nodeFor(address));
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
      await client.patch(Resources.statefulSets, { namespace, name: statefulSetName(pass.cluster, action.replica) }, { spec: { replicas: action.replicas } });
      return;
    case "deletePod":
      await pass.event({ type: "Normal", reason: EventReason.DeletingPod, message: `deleting pod ${action.pod}${action.why ? `: ${action.why}` : ""}` });
      await client.delete(Resources.pods, { namespace, name: action.pod });
      return;
    case "deletePVC":
      await pass.event({ type: "Normal", reason: EventReason.DeletingVolume, message: `releasing volume ${DATA_VOLUME}-${action.pod}` });
      await client.delete(Resources.persistentVolumeClaims, { namespace, name: `${DATA_VOLUME}-${action.pod}` });
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

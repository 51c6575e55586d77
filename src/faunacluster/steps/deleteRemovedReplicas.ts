// A replica removed from the spec is drained by the planner (its hosts leave one at a time, the StatefulSet shrinks
// to 0, each PVC is released after its host left). Deleting the empty StatefulSet and its headless Service and PDB
// is this step's job; it only acts once the set is at 0 with no pod left. A headless Service left behind once its
// StatefulSet is gone (a pass cut short between the two deletes) is deleted too.
import type { V1Service } from "@kubernetes/client-node";
import { headlessServiceName, podDisruptionBudgetName } from "../../api/funcs.ts";
import { isNotFound } from "../../kube/errors.ts";
import { Resources } from "../../kube/resource.ts";
import { EventReason } from "../events.ts";
import { next, retryIn, type Step } from "../pass.ts";
import { replicaOf } from "../slots.ts";

const ignoreGone = (err: unknown) => {
  if (!isNotFound(err)) throw err;
};

export const deleteRemovedReplicas: Step = {
  name: "DeleteRemovedReplicas",
  async run(pass, obs) {
    const o = obs.kube;
    const inSpec = new Set(pass.cluster.spec.replicas.map((r) => r.name));
    const namespace = pass.cluster.metadata.namespace;
    let deleted = false;
    const opts = { signal: pass.signal };
    for (const sts of o.statefulSets) {
      const replica = replicaOf(sts);
      if (replica === undefined || inSpec.has(replica)) continue;
      if ((sts.spec?.replicas ?? 0) > 0 || o.pods.some((p) => replicaOf(p) === replica)) continue;
      await pass.event({ type: "Normal", reason: EventReason.DeletingReplica, message: `deleting the StatefulSet of removed replica ${replica}` });
      await pass.deps.client.delete(Resources.statefulSets, { namespace, name: sts.metadata?.name ?? "" }, { ...opts, preconditions: { uid: sts.metadata?.uid } }).catch(ignoreGone);
      const svc = headlessServiceName(pass.cluster, replica);
      if (o.services.some((s: V1Service) => s.metadata?.name === svc)) {
        await pass.deps.client.delete(Resources.services, { namespace, name: svc }, opts).catch(ignoreGone);
      }
      const pdb = podDisruptionBudgetName(pass.cluster, replica);
      if (o.pdbs.some((p) => p.metadata?.name === pdb)) {
        await pass.deps.client.delete(Resources.podDisruptionBudgets, { namespace, name: pdb }, opts).catch(ignoreGone);
      }
      deleted = true;
    }
    const withSet = new Set(o.statefulSets.map(replicaOf));
    for (const svc of o.services) {
      const replica = replicaOf(svc);
      if (replica === undefined || inSpec.has(replica) || withSet.has(replica)) continue;
      await pass.deps.client.delete(Resources.services, { namespace, name: svc.metadata?.name ?? "" }, { ...opts, preconditions: { uid: svc.metadata?.uid } }).catch(ignoreGone);
      deleted = true;
    }
    return deleted ? retryIn(1_000) : next();
  },
};

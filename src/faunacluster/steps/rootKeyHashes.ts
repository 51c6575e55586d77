// RootKeyHashes (after Observe, before ApplyObjects): which BCrypt hashes each replica's faunadb.yml carries, and
// which key the admin client uses, from the key in the Secret, the hashes the ConfigMap holds and the StatefulSets'
// rollouts (rootKeyHashes.ts). HoldForRootKeyRotation (after ApplyObjects) ends the pass while a rotation runs, so
// nothing else changes meanwhile: no topology work until every pod accepts only the new key.
import type { V1StatefulSet } from "@kubernetes/client-node";
import { ConditionType } from "../../api/conditions.ts";
import { resolveSpec } from "../../api/defaults.ts";
import { configMapName } from "../../api/funcs.ts";
import { templateKey } from "../build/configMap.ts";
import { EventReason } from "../events.ts";
import { next, retryIn, type Step } from "../pass.ts";
import { keyAcceptedEverywhere } from "../rootKey.ts";
import { replicaOf } from "../slots.ts";
import { deferRotation, hashesInTemplate, hashRootKey, keyMatches, planRootKeyHashes } from "../rootKeyHashes.ts";
import { persistedPlanState } from "../topologyInput.ts";

const ROTATION_POLL_MS = 2_000;

/** A fresh hash per key (operator memory only), so it is computed once until a template carries it. */
const freshHashes = new Map<string, string>();

/** Every pod of the StatefulSet runs its current template and is Ready (true without a StatefulSet: nothing runs). */
export function rolledOut(sts: V1StatefulSet | undefined): boolean {
  if (!sts) return true;
  const want = sts.spec?.replicas ?? 0;
  const s = sts.status;
  return (s?.observedGeneration ?? 0) >= (sts.metadata?.generation ?? 0) &&
    s?.currentRevision === s?.updateRevision &&
    (want === 0 || ((s?.updatedReplicas ?? 0) >= want && (s?.readyReplicas ?? 0) >= want));
}

export const rootKeyHashes: Step = {
  name: "RootKeyHashes",
  async run(pass, obs) {
    const o = obs.kube;
    if (obs.rootKey.kind !== "usable") throw new Error("RootKeyHashes runs after EnsureRootKey");
    const key = obs.rootKey.key;
    const cm = o.configMaps.find((c) => c.metadata?.name === configMapName(pass.cluster));
    const replicas = resolveSpec(pass.cluster).replicas.map((r) => ({
      replica: r.name,
      hashes: hashesInTemplate(cm?.data?.[templateKey(r.name)]),
      rolledOut: rolledOut(o.statefulSets.find((s) => replicaOf(s) === r.name)),
    }));
    const existing = replicas.flatMap((r) => r.hashes ?? []).find((h) => keyMatches(key, h));
    let keyHash = existing ?? freshHashes.get(key);
    if (keyHash === undefined) {
      keyHash = hashRootKey(key);
      freshHashes.set(key, keyHash);
    }
    const inSpec = new Set(replicas.map((r) => r.replica));
    const draining = o.statefulSets.map(replicaOf).filter((r): r is string => r !== undefined && !inSpec.has(r));
    const inFlight = persistedPlanState(obs).state.inFlight;
    const busy = draining.length > 0 ? `replica ${draining.join(", ")} is removed` : inFlight ? `the ${inFlight.kind} of ${inFlight.pod} is done` : undefined;
    const plan = deferRotation(planRootKeyHashes({ replicas, keyHash, matchesKey: (h) => keyMatches(key, h) }), replicas, busy);
    pass.rootKeyHashes = plan.hashes;
    if (plan.keyAccepted) keyAcceptedEverywhere(pass.cluster, key);
    const wasRotating = (pass.original.conditions ?? []).some((c) => c.type === ConditionType.RootKeyRotating && c.status === "True");
    if (plan.rotation && !plan.rotation.deferred && !wasRotating) {
      await pass.event({ type: "Normal", reason: EventReason.RotatingRootKey, message: "a new root key in the Secret: rotating, one replica at a time" });
    }
    if (!plan.rotation && wasRotating) {
      await pass.event({ type: "Normal", reason: EventReason.RootKeyRotated, message: "every pod accepts the new root key only" });
    }
    if (plan.rotation) pass.findings.rootKeyRotation = plan.rotation;
    return next();
  },
};

export const holdForRootKeyRotation: Step = {
  name: "HoldForRootKeyRotation",
  async run(pass) {
    const r = pass.findings.rootKeyRotation;
    if (!r || r.deferred) return next();
    pass.log.info({ phase: r.phase, replica: r.replica, done: r.done, total: r.total }, "root key rotation");
    return retryIn(ROTATION_POLL_MS);
  },
};

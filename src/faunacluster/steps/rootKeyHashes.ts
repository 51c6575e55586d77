// RootKeyHashes (after Observe, before ApplyObjects): which BCrypt hashes each replica's faunadb.yml carries, and
// which key the admin client uses, from the key in the Secret, the hashes the ConfigMap holds and the StatefulSets'
// rollouts (rootKeyHashes.ts). HoldForRootKeyRotation (after ApplyObjects) ends the pass while a rotation runs, so
// nothing else changes meanwhile: no topology work until every pod accepts only the new key.
import type { V1StatefulSet } from "@kubernetes/client-node";
import { ConditionType } from "../../api/conditions.ts";
import { resolveSpec } from "../../api/defaults.ts";
import { configMapName } from "../../api/funcs.ts";
import { EventReason } from "../events.ts";
import { replicaOf } from "../observe.ts";
import { next, retryIn, type Pass, type StepResult } from "../pass.ts";
import { templateKey } from "../build/configMap.ts";
import { hashesInTemplate, hashRootKey, keyMatches, planRootKeyHashes } from "../rootKeyHashes.ts";

const ROTATION_POLL_MS = 2_000;

/**
 * Operator memory only (the cleartext never leaves it): per cluster, the last key every pod accepted, for admin calls
 * while a rotation has not reached every pod; and a fresh hash per key, so it is computed once.
 */
const acceptedKeys = new Map<string, string>();
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

export const rootKeyHashes = {
  name: "RootKeyHashes",
  async run(pass: Pass): Promise<StepResult> {
    const o = pass.observed;
    const key = pass.rootKey;
    if (!o || key === undefined) throw new Error("RootKeyHashes runs after EnsureRootKey and Observe");
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
    const plan = planRootKeyHashes({ replicas, keyHash, matchesKey: (h) => keyMatches(key, h) });
    pass.rootKeyHashes = plan.hashes;
    const uid = pass.cluster.metadata.uid ?? pass.key;
    const previous = acceptedKeys.get(uid);
    if (plan.keyAccepted) acceptedKeys.set(uid, key);
    else if (previous !== undefined && previous !== key) pass.admin = pass.deps.makeAdmin(previous);
    const wasRotating = (pass.original.conditions ?? []).some((c) => c.type === ConditionType.RootKeyRotating && c.status === "True");
    if (plan.rotation && !wasRotating) {
      await pass.event({ type: "Normal", reason: EventReason.RotatingRootKey, message: "a new root key in the Secret: rotating, one replica at a time" });
    }
    if (!plan.rotation && wasRotating) {
      await pass.event({ type: "Normal", reason: EventReason.RootKeyRotated, message: "every pod accepts the new root key only" });
    }
    if (plan.rotation) pass.findings.rootKeyRotation = plan.rotation;
    return next();
  },
};

export const holdForRootKeyRotation = {
  name: "HoldForRootKeyRotation",
  async run(pass: Pass): Promise<StepResult> {
    const r = pass.findings.rootKeyRotation;
    if (!r) return next();
    pass.log.info({ phase: r.phase, replica: r.replica, done: r.done, total: r.total }, "root key rotation");
    return retryIn(ROTATION_POLL_MS);
  },
};

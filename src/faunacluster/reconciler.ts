// The FaunaCluster reconciler: gates on the object itself, then ONE read-only observation (observe.ts), then an
// ordered list of named steps (STYLE idioms 1, 2) that act on it, with the single status write after the steps
// (idiom 11), which also happens after an error or a requeue.
import type { FaunaCluster, FaunaClusterStatus } from "../api/types.ts";
import { parseKey } from "../controller/keys.ts";
import type { ReconcileContext, Reconciler } from "../controller/controller.ts";
import { done, failed, requeueAfter, type Result } from "../controller/result.ts";
import { isConflict, isNotFound } from "../kube/errors.ts";
import { observe } from "./observe.ts";
import type { Deps, Gate, Pass, Step, StepResult } from "./pass.ts";
import { FaunaClusterResource } from "./resource.ts";
import { sameStatus, summarize } from "./status.ts";
import { applyObjects } from "./steps/applyObjects.ts";
import { deleteRemovedReplicas } from "./steps/deleteRemovedReplicas.ts";
import { ensureRootKey } from "./steps/ensureRootKey.ts";
import { ensureTls } from "./steps/ensureTls.ts";
import { handleDeletion } from "./steps/handleDeletion.ts";
import { holdForRootKeyRotation, rootKeyHashes } from "./steps/rootKeyHashes.ts";
import { topology } from "./steps/topology.ts";
import { validateSpec } from "./steps/validateSpec.ts";

/** Before anything is observed: a cluster being deleted or with an invalid (or paused) spec goes no further. */
export const GATES: readonly Gate[] = [handleDeletion, validateSpec];

/**
 * Order encodes safety: credentials, the root key's hashes, owned objects, (a root-key rotation ends the pass here),
 * topology, cleanup.
 */
export const STEPS: readonly Step[] = [ensureRootKey, ensureTls, rootKeyHashes, applyObjects, holdForRootKeyRotation, topology, deleteRemovedReplicas];

/** A converged cluster is looked at again this often (reads only), so status follows FaunaDB's own view. */
export const CONVERGED_RESYNC_MS = 60_000;

export function createReconciler(deps: Deps): Reconciler {
  return (key, ctx) => reconcileOnce(deps, key, ctx);
}

async function reconcileOnce(deps: Deps, key: string, ctx: ReconcileContext): Promise<Result> {
  const ref = parseKey(key);
  const cluster = await deps.client.find<FaunaCluster>(FaunaClusterResource, ref, { signal: ctx.signal });
  if (!cluster) return done(); // deleted: the garbage collector removes what it owned
  const original: FaunaClusterStatus = structuredClone(cluster.status ?? {});
  let written: FaunaClusterStatus = original;
  // Every status write is conditional on the version this pass last read or wrote: a pass that acted on a view
  // someone else has since replaced (a new leader after a freeze, a concurrent edit) is refused and starts over.
  let version = cluster.metadata.resourceVersion;
  const pass: Pass = {
    key,
    deps,
    log: ctx.log,
    signal: ctx.signal,
    cluster,
    original,
    status: structuredClone(original),
    findings: {},
    event: (e) => deps.recorder.record(cluster, e),
    async flushStatus() {
      if (sameStatus(pass.status, written)) return;
      const stored = await deps.client.applyStatus<FaunaCluster>(FaunaClusterResource, ref, pass.status, { signal: ctx.signal, resourceVersion: version });
      version = stored?.metadata?.resourceVersion ?? version;
      written = structuredClone(pass.status);
    },
  };
  let result: StepResult = { kind: "continue" };
  let stepName = "";
  try {
    for (const gate of GATES) {
      stepName = gate.name;
      result = await gate.run(pass);
      if (result.kind !== "continue") break;
    }
    if (result.kind === "continue") {
      stepName = "Observe";
      const obs = await observe(deps, cluster, ctx.signal);
      pass.obs = obs;
      for (const step of STEPS) {
        stepName = step.name;
        result = await step.run(pass, obs);
        if (result.kind !== "continue") break;
      }
    }
  } catch (err) {
    result = { kind: "error", error: err, terminal: false };
  }
  if (!cluster.metadata.deletionTimestamp) {
    summarize(pass);
    try {
      await pass.flushStatus();
    } catch (err) {
      if (isNotFound(err)) return done();
      if (isConflict(err)) return requeueAfter(500);
      if (result.kind !== "error") result = { kind: "error", error: err, terminal: false };
    }
  }
  ctx.log.debug({ step: stepName, result: result.kind }, "pass finished");
  switch (result.kind) {
    case "continue":
      return requeueAfter(CONVERGED_RESYNC_MS);
    case "done":
      return done();
    case "requeue":
      return requeueAfter(result.afterMs);
    case "error":
      return failed(result.error, result.terminal);
    default: {
      const unreachable: never = result;
      throw new Error(`unknown step result ${JSON.stringify(unreachable)}`);
    }
  }
}

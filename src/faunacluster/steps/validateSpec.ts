// An invalid spec is terminal until the object changes: a Degraded condition and a Warning Event that name the
// field, and no retry (STYLE idiom 10). Also honours spec.paused.
import { CONFIRM_VOLUME_DELETION_ANNOTATION, volumesWhenDeleted } from "../../api/funcs.ts";
import { validateFaunaCluster } from "../../api/validate.ts";
import { EventReason } from "../events.ts";
import { fail, next, stop, type Gate } from "../pass.ts";

export const validateSpec: Gate = {
  name: "ValidateSpec",
  async run(pass) {
    const errors = validateFaunaCluster(pass.cluster);
    if (errors.length > 0) {
      const message = errors.map((e) => `${e.field}: ${e.message}`).join("; ");
      pass.findings.invalid = message;
      await pass.event({ type: "Warning", reason: EventReason.InvalidSpec, message });
      return fail(new Error(`invalid FaunaCluster spec: ${message}`), true);
    }
    const firstLookAtThisSpec = pass.cluster.status?.observedGeneration !== pass.cluster.metadata.generation;
    if (firstLookAtThisSpec && pass.cluster.spec.persistentVolumeClaimRetention?.whenDeleted === "Delete" && volumesWhenDeleted(pass.cluster) === "Retain") {
      await pass.event({
        type: "Warning",
        reason: EventReason.VolumeDeletionNotConfirmed,
        message: `whenDeleted: Delete is not in force: annotate the FaunaCluster ${CONFIRM_VOLUME_DELETION_ANNOTATION}=true to have its volumes deleted with it; until then they are retained`,
      });
    }
    if (pass.cluster.spec.paused) return stop();
    return next();
  },
};

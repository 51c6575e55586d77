// An invalid spec is terminal until the object changes: a Degraded condition and a Warning Event that name the
// field, and no retry (STYLE idiom 10). Also honours spec.paused.
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
    if (pass.cluster.spec.paused) return stop();
    return next();
  },
};

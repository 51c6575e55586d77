// The root key, as observed: from spec.rootKeySecretRef, or from the generated `<cluster>-root-key` Secret, created
// once when absent (never re-created: a new key would lock the operator out of running nodes). The key is
// registered with the redactor and is never logged, put in an event, in status or on a command line; problems name
// the Secret and the rule broken, never its content.
import { buildRootKeySecret } from "../build/rootKeySecret.ts";
import { EventReason } from "../events.ts";
import { isAlreadyExists } from "../../kube/errors.ts";
import { Resources } from "../../kube/resource.ts";
import { next, retryIn, type Step } from "../pass.ts";

const MISSING_RETRY_MS = 15_000;
const CREATED_RETRY_MS = 100; // a GET, not the cache: the next pass sees the new Secret at once (issue 14: apply → objects)

export const ensureRootKey: Step = {
  name: "EnsureRootKey",
  async run(pass, obs) {
    const rootKey = obs.rootKey;
    if (rootKey.kind === "usable") {
      pass.deps.redactor.add(rootKey.key);
      pass.status.rootKeySecretName = rootKey.secretName;
      return next();
    }
    if (rootKey.kind === "absent" && rootKey.generate) {
      try {
        await pass.deps.client.create(Resources.secrets, buildRootKeySecret(pass.cluster), { signal: pass.signal });
        await pass.event({ type: "Normal", reason: EventReason.RootKeyGenerated, message: `generated the root key in Secret ${rootKey.secretName}` });
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      return retryIn(CREATED_RETRY_MS); // the next pass observes it
    }
    const problem = rootKey.kind === "absent" ? `Secret ${rootKey.secretName} with key ${rootKey.secretKey} not found` : `Secret ${rootKey.secretName}: ${rootKey.problem}`;
    pass.findings.rootKeyProblem = problem;
    await pass.event({ type: "Warning", reason: EventReason.RootKeyMissing, message: `root key unusable: ${problem}` });
    return retryIn(MISSING_RETRY_MS);
  },
};

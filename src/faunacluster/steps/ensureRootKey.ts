// The root key: read from spec.rootKeySecretRef, or from the generated `<cluster>-root-key` Secret, created once
// when absent (never re-created: a new key would lock the operator out of running nodes). Only a Secret marked for
// the operator, or the one it generated for this cluster, is used (rootKey.ts). The key is registered with the
// redactor the moment it is read and is never logged, put in an event, in status or on a command line.
import type { V1Secret } from "@kubernetes/client-node";
import { resolveSpec } from "../../api/defaults.ts";
import { generatedRootKeySecretName } from "../../api/funcs.ts";
import { isAlreadyExists } from "../../kube/errors.ts";
import { Resources } from "../../kube/resource.ts";
import { buildRootKeySecret } from "../build/rootKeySecret.ts";
import { EventReason } from "../events.ts";
import { next, retryIn, type Pass, type StepResult } from "../pass.ts";
import { rootKeyFrom } from "../rootKey.ts";

const MISSING_RETRY_MS = 15_000;

export const ensureRootKey = {
  name: "EnsureRootKey",
  async run(pass: Pass): Promise<StepResult> {
    const { client } = pass.deps;
    const spec = resolveSpec(pass.cluster);
    const namespace = pass.cluster.metadata.namespace;
    const ref = spec.rootKeySecretRef ?? { name: generatedRootKeySecretName(pass.cluster), key: "root-key" };
    let secret = await client.find<V1Secret>(Resources.secrets, { namespace, name: ref.name }, { signal: pass.signal });
    if (!secret && !spec.rootKeySecretRef) {
      try {
        secret = await client.create<V1Secret>(Resources.secrets, buildRootKeySecret(pass.cluster), { signal: pass.signal });
        await pass.event({ type: "Normal", reason: EventReason.RootKeyGenerated, message: `generated the root key in Secret ${ref.name}` });
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        secret = await client.get<V1Secret>(Resources.secrets, { namespace, name: ref.name }, { signal: pass.signal });
      }
    }
    const answer = rootKeyFrom(pass.cluster, ref, secret, !spec.rootKeySecretRef);
    const raw = secret?.data?.[ref.key];
    if (raw !== undefined) pass.deps.redactor.add(Buffer.from(raw, "base64").toString("utf8").trim());
    if (answer.kind === "refused") {
      pass.findings.rootKeyProblem = answer.problem;
      await pass.event({ type: "Warning", reason: EventReason.RootKeyMissing, message: `root key unusable: ${answer.problem}` });
      return retryIn(MISSING_RETRY_MS);
    }
    const key = answer.key;
    pass.rootKey = key;
    pass.admin = pass.deps.makeAdmin(key);
    pass.status.rootKeySecretName = ref.name;
    return next();
  },
};

// The pod annotation `local.fauna-operator.io/sim-env` (`KEY=VALUE,KEY=VALUE`) hands simulator settings to a pod's
// processes: a test speeds the simulator up through its FaunaCluster's `spec.podMetadata.annotations`, so the operator
// renders no simulator-specific env and no faunadb.yml key (unknown keys are fatal in FaunaDB). Only `FAUNA_SIM_*`
// keys are accepted (src/sim/README.md lists them); anything else makes the pod fail to start, visibly.
import type { V1Pod } from "@kubernetes/client-node";
import { PodConfigError } from "./env.ts";

export const SIM_ENV_ANNOTATION = "local.fauna-operator.io/sim-env";

/** The annotation's variables; {} without one. Throws PodConfigError on a malformed pair or a key not FAUNA_SIM_*. */
export function simEnv(pod: V1Pod): Record<string, string> {
  const raw = pod.metadata?.annotations?.[SIM_ENV_ANNOTATION]?.trim();
  if (!raw) return {};
  const out: Record<string, string> = {};
  for (const pair of raw.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
    const eq = pair.indexOf("=");
    const key = eq > 0 ? pair.slice(0, eq).trim() : "";
    if (!/^FAUNA_SIM_[A-Z0-9_]+$/.test(key))
      throw new PodConfigError(`annotation ${SIM_ENV_ANNOTATION}: "${pair}" is not FAUNA_SIM_<NAME>=<value> (only simulator settings are accepted)`);
    out[key] = pair.slice(eq + 1).trim();
  }
  return out;
}

/** The annotation's value for `env` (the inverse of simEnv), e.g. for a FaunaCluster's spec.podMetadata.annotations. */
export function formatSimEnv(env: Readonly<Record<string, string>>): string {
  return Object.entries(env).map(([k, v]) => `${k}=${v}`).join(",");
}

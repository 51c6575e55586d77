// Which root key a Secret yields, decided without I/O (observe.ts reads the Secret). The operator uses a Secret only
// if it is the one it generated for this cluster or one marked for it (label fauna-operator.io/root-key=true):
// otherwise anyone allowed to create a FaunaCluster could have the operator read any Secret of the namespace and send
// it to pods running an image of their choosing. What it says when it refuses never describes the Secret's content,
// only its name and metadata; a bad value is refused with the rules stated whole, not the one it broke.
import type { V1Secret } from "@kubernetes/client-node";
import { rootKeyProblem } from "../api/faunaConfig.ts";
import { ROOT_KEY_SECRET_LABEL } from "../api/funcs.ts";
import type { FaunaCluster } from "../api/types.ts";
import type { RootKeyObservation } from "./observe.ts";

export type RootKeyRef = { name: string; key: string };

/** The rules of FACTS §3.2, stated whole so that a refusal does not tell which one a value broke. */
export const ROOT_KEY_RULES =
  "at least 16 characters, no whitespace and none of / , ( ) & = : \" ' #, and no '.' when it starts with 'ey'";

/** `generated`: the spec names no Secret, so `ref` is the operator's own `<cluster>-root-key`. */
export function rootKeyFrom(cluster: FaunaCluster, ref: RootKeyRef, secret: V1Secret | undefined, generated: boolean): RootKeyObservation {
  const named = { secretName: ref.name };
  if (!secret) return { kind: "absent", ...named, secretKey: ref.key, generate: generated };
  if (!usableSecret(cluster, secret, generated)) {
    return { kind: "unusable", ...named, problem: `not marked for fauna-operator: label it ${ROOT_KEY_SECRET_LABEL}=true to use it as this cluster's root key` };
  }
  const encoded = secret.data?.[ref.key];
  if (encoded === undefined) return { kind: "absent", ...named, secretKey: ref.key, generate: false };
  const key = Buffer.from(encoded, "base64").toString("utf8").trim();
  if (rootKeyProblem(key) !== undefined) {
    return { kind: "unusable", ...named, problem: `the value of ${ref.key} is not a usable FaunaDB root key (${ROOT_KEY_RULES})` };
  }
  return { kind: "usable", ...named, key };
}

function usableSecret(cluster: FaunaCluster, secret: V1Secret, generated: boolean): boolean {
  if (secret.metadata?.labels?.[ROOT_KEY_SECRET_LABEL] === "true") return true;
  const uid = cluster.metadata.uid;
  return generated && uid !== undefined && (secret.metadata?.ownerReferences ?? []).some((o) => o.controller === true && o.uid === uid);
}

/**
 * Operator memory only (the cleartext never leaves it): per cluster, the last key every pod accepted. While the
 * Secret holds another one (a rotation not yet through), admin calls keep using it.
 */
const acceptedKeys = new Map<string, string>();

const clusterId = (cluster: FaunaCluster) => cluster.metadata.uid ?? `${cluster.metadata.namespace}/${cluster.metadata.name}`;

export function adminKeyFor(cluster: FaunaCluster, secretKey: string): string {
  return acceptedKeys.get(clusterId(cluster)) ?? secretKey;
}

/** Every pod accepts `key` now (RootKeyHashes decided so). */
export function keyAcceptedEverywhere(cluster: FaunaCluster, key: string): void {
  acceptedKeys.set(clusterId(cluster), key);
}

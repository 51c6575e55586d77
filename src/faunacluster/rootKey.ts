// Which root key a Secret yields, decided without I/O. The operator uses a Secret only if it is the one it generated
// for this cluster or one marked for it (label fauna-operator.io/root-key=true): otherwise anyone allowed to create a
// FaunaCluster could have the operator read any Secret of the namespace and send it to pods running an image of
// their choosing. What it says when it refuses never describes the Secret's content, only its name and metadata.
import type { V1Secret } from "@kubernetes/client-node";
import { rootKeyProblem } from "../api/faunaConfig.ts";
import { ROOT_KEY_SECRET_LABEL } from "../api/funcs.ts";
import type { FaunaCluster } from "../api/types.ts";

export type RootKeyRef = { name: string; key: string };
export type RootKeyAnswer = { kind: "key"; key: string } | { kind: "refused"; problem: string };

/** The rules of FACTS §3.2, stated whole so that a refusal does not tell which one a value broke. */
export const ROOT_KEY_RULES =
  "at least 16 characters, no whitespace and none of / , ( ) & = : \" ' #, and no '.' when it starts with 'ey'";

export function rootKeyFrom(cluster: FaunaCluster, ref: RootKeyRef, secret: V1Secret | undefined, generated: boolean): RootKeyAnswer {
  if (!secret) return { kind: "refused", problem: `Secret ${ref.name} not found` };
  if (!usableSecret(cluster, secret, generated)) {
    return {
      kind: "refused",
      problem: `Secret ${ref.name} is not marked for fauna-operator: label it ${ROOT_KEY_SECRET_LABEL}=true to use it as this cluster's root key`,
    };
  }
  const encoded = secret.data?.[ref.key];
  if (encoded === undefined) return { kind: "refused", problem: `Secret ${ref.name} has no key ${ref.key}` };
  const key = Buffer.from(encoded, "base64").toString("utf8").trim();
  if (rootKeyProblem(key) !== undefined) {
    return { kind: "refused", problem: `the value of ${ref.key} in Secret ${ref.name} is not a usable FaunaDB root key (${ROOT_KEY_RULES})` };
  }
  return { kind: "key", key };
}

function usableSecret(cluster: FaunaCluster, secret: V1Secret, generated: boolean): boolean {
  if (secret.metadata?.labels?.[ROOT_KEY_SECRET_LABEL] === "true") return true;
  const uid = cluster.metadata.uid;
  return generated && uid !== undefined && (secret.metadata?.ownerReferences ?? []).some((o) => o.controller === true && o.uid === uid);
}

// The generated root-key Secret, for clusters without rootKeySecretRef. Create it only when absent (never re-apply:
// a new key would lock the operator out of running nodes). Randomness is injected so the builder stays pure.
import { randomBytes } from "node:crypto";
import type { V1Secret } from "@kubernetes/client-node";
import { DEFAULTS } from "../../api/defaults.ts";
import { COMPONENTS, generatedRootKeySecretName } from "../../api/funcs.ts";
import type { FaunaCluster } from "../../api/types.ts";
import { ownedMeta } from "./meta.ts";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
export const ROOT_KEY_LENGTH = 48;

/**
 * A key FaunaDB accepts (FACTS §3.2): letters and digits only, so none of `/,()&=:`; the `fo` prefix keeps it from
 * starting with `ey` (read as a JWT). Rejection sampling keeps the alphabet uniform.
 */
export function generateRootKey(random: (n: number) => Uint8Array = randomBytes): string {
  let key = "fo";
  const limit = 256 - (256 % ALPHABET.length);
  while (key.length < ROOT_KEY_LENGTH) {
    for (const byte of random(64)) {
      if (byte < limit && key.length < ROOT_KEY_LENGTH) key += ALPHABET[byte % ALPHABET.length];
    }
  }
  return key;
}

export function buildRootKeySecret(cluster: FaunaCluster, random: (n: number) => Uint8Array = randomBytes): V1Secret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: ownedMeta(cluster, generatedRootKeySecretName(cluster), COMPONENTS.rootKey),
    type: "Opaque",
    immutable: true,
    data: { [DEFAULTS.rootKeySecretKey]: Buffer.from(generateRootKey(random)).toString("base64") },
  };
}

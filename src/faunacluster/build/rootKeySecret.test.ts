import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { buildRootKeySecret, generateRootKey, ROOT_KEY_LENGTH } from "./rootKeySecret.ts";
import { rootKeyProblem } from "../../api/faunaConfig.ts";
import { minimalCluster } from "../../../test/fixtures/faunacluster/valid.ts";

function fixedRandom(byte: number) {
  return (n: number) => new Uint8Array(n).fill(byte);
}

describe("generateRootKey / buildRootKeySecret", () => {
  const cases = [0, 61, 62, 200, 255];
  for (const byte of cases) {
    it(`yields a FaunaDB-safe key from random byte ${byte} or rejects it`, () => {
      if (byte >= 248) {
        // Bytes above the largest multiple of 62 are rejected; an all-rejected source would loop, so mix in one good byte.
        let calls = 0;
        const key = generateRootKey((n) => new Uint8Array(n).fill(calls++ === 0 ? byte : 7));
        assert.equal(key.length, ROOT_KEY_LENGTH);
        return;
      }
      const key = generateRootKey(fixedRandom(byte));
      assert.equal(key.length, ROOT_KEY_LENGTH);
      assert.match(key, /^fo[A-Za-z0-9]+$/);
      assert.equal(rootKeyProblem(key), undefined);
    });
  }

  it("differs between calls with real randomness", () => {
    assert.notEqual(generateRootKey(), generateRootKey());
  });

  it("stores the key under root-key in an immutable, owned Secret", () => {
    const s = buildRootKeySecret(minimalCluster("fc"), fixedRandom(1));
    assert.equal(s.metadata?.name, "fc-root-key");
    assert.equal(s.immutable, true);
    assert.equal(Buffer.from(s.data?.["root-key"] ?? "", "base64").toString(), generateRootKey(fixedRandom(1)));
    assert.equal(s.metadata?.ownerReferences?.[0]?.controller, true);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import bcrypt from "bcryptjs";
import { rootKeyHashesLine as hashesLine } from "../api/faunaConfig.ts";
import { deferRotation, hashesInTemplate, hashRootKey, keyMatches, planRootKeyHashes, rotationMessage, type ReplicaHashes } from "./rootKeyHashes.ts";

// Stand-ins for hashes: "h(K)" matches key K. The real BCrypt is tested separately below.
const h = (key: string) => `h(${key})`;
const matching = (key: string) => (hash: string) => hash === h(key);

/** Runs passes as the reconciler would: a changed replica rolls out over `rolloutPasses` passes. */
function rotate(start: Record<string, string[]>, key: string, rolloutPasses = 2) {
  let templates = { ...start };
  const rolling = new Map<string, number>();
  const trace: { hashes: Record<string, string[]>; keyAccepted: boolean; phase?: string; changed: string[] }[] = [];
  for (let pass = 0; pass < 40; pass++) {
    const replicas: ReplicaHashes[] = Object.keys(templates).map((r) => ({ replica: r, hashes: templates[r], rolledOut: (rolling.get(r) ?? 0) === 0 }));
    for (const [r, n] of rolling) rolling.set(r, Math.max(0, n - 1));
    const plan = planRootKeyHashes({ replicas, keyHash: h(key), matchesKey: matching(key) });
    const changed = Object.keys(plan.hashes).filter((r) => JSON.stringify(plan.hashes[r]) !== JSON.stringify(templates[r]));
    for (const r of changed) rolling.set(r, rolloutPasses);
    templates = plan.hashes;
    trace.push({ hashes: plan.hashes, keyAccepted: plan.keyAccepted, phase: plan.rotation?.phase, changed });
    if (!plan.rotation && changed.length === 0 && [...rolling.values()].every((n) => n === 0)) break;
  }
  return trace;
}

describe("planRootKeyHashes", () => {
  it("a new cluster gets the key's hash on every replica at once, and uses the key", () => {
    const plan = planRootKeyHashes({
      replicas: [{ replica: "r1", hashes: undefined, rolledOut: true }, { replica: "r2", hashes: undefined, rolledOut: true }],
      keyHash: h("K"), matchesKey: matching("K"),
    });
    assert.deepEqual(plan.hashes, { r1: [h("K")], r2: [h("K")] });
    assert.equal(plan.rotation, undefined);
    assert.equal(plan.keyAccepted, true);
  });

  it("steady state: nothing changes, even while a StatefulSet is not rolled out (a pod restarting)", () => {
    const plan = planRootKeyHashes({
      replicas: [{ replica: "r1", hashes: [h("K")], rolledOut: false }, { replica: "r2", hashes: [h("K")], rolledOut: true }],
      keyHash: h("K"), matchesKey: matching("K"),
    });
    assert.deepEqual(plan.hashes, { r1: [h("K")], r2: [h("K")] });
    assert.equal(plan.rotation, undefined);
    assert.equal(plan.keyAccepted, true);
  });

  it("a new key: added beside the old one replica at a time, then the old one removed replica at a time", () => {
    const trace = rotate({ r1: [h("OLD")], r2: [h("OLD")], r3: [h("OLD")] }, "NEW");
    const changes = trace.flatMap((t) => t.changed.map((r) => `${r}=${t.hashes[r]!.join("+")}`));
    assert.deepEqual(changes, [
      "r1=h(OLD)+h(NEW)", "r2=h(OLD)+h(NEW)", "r3=h(OLD)+h(NEW)",
      "r1=h(NEW)", "r2=h(NEW)", "r3=h(NEW)",
    ]);
    // One replica at a time: never two changed in one pass, and never one while another still rolls out.
    assert.ok(trace.every((t) => t.changed.length <= 1));
    const last = trace.at(-1)!;
    assert.deepEqual(last.hashes, { r1: [h("NEW")], r2: [h("NEW")], r3: [h("NEW")] });
    assert.equal(last.keyAccepted, true);
  });

  it("the operator switches to the new key only once every pod accepts it, and keeps it through the removals", () => {
    const trace = rotate({ r1: [h("OLD")], r2: [h("OLD")] }, "NEW", 3);
    const firstAccepted = trace.findIndex((t) => t.keyAccepted);
    const lastAdd = trace.findLastIndex((t) => t.changed.some((r) => t.hashes[r]!.includes(h("OLD"))));
    const firstRemove = trace.findIndex((t) => t.changed.some((r) => !t.hashes[r]!.includes(h("OLD"))));
    assert.ok(firstAccepted > lastAdd + 3, `accepted at pass ${firstAccepted}, after the last add (${lastAdd}) rolled out`);
    assert.ok(firstAccepted <= firstRemove, "the key is in use before any old hash goes");
    assert.ok(trace.slice(firstAccepted).every((t) => t.keyAccepted), "and stays in use to the end");
  });

  it("a replica added during a rotation starts on the phase's target", () => {
    const plan = planRootKeyHashes({
      replicas: [{ replica: "r1", hashes: [h("OLD")], rolledOut: true }, { replica: "r9", hashes: undefined, rolledOut: true }],
      keyHash: h("NEW"), matchesKey: matching("NEW"),
    });
    assert.deepEqual(plan.hashes.r9, [h("OLD"), h("NEW")]);
    assert.equal(plan.rotation?.phase, "adding");
  });

  it("waits while any StatefulSet rolls out, saying which replica is next", () => {
    const plan = planRootKeyHashes({
      replicas: [{ replica: "r1", hashes: [h("OLD"), h("NEW")], rolledOut: false }, { replica: "r2", hashes: [h("OLD")], rolledOut: true }],
      keyHash: h("NEW"), matchesKey: matching("NEW"),
    });
    assert.deepEqual(plan.hashes, { r1: [h("OLD"), h("NEW")], r2: [h("OLD")] });
    assert.deepEqual(plan.rotation, { phase: "adding", replica: "r2", done: 1, total: 2, waitingForRollout: true });
    assert.equal(plan.keyAccepted, false);
  });
});

describe("deferRotation", () => {
  const replicas: ReplicaHashes[] = [{ replica: "r1", hashes: [h("OLD")], rolledOut: true }, { replica: "r2", hashes: [h("OLD")], rolledOut: true }];
  const plan = planRootKeyHashes({ replicas, keyHash: h("NEW"), matchesKey: matching("NEW") });

  it("a rotation not begun waits while topology work is in flight: nothing changes, the old key stays in use", () => {
    const deferred = deferRotation(plan, replicas, "replica r3 is removed");
    assert.deepEqual(deferred.hashes, { r1: [h("OLD")], r2: [h("OLD")] });
    assert.equal(deferred.keyAccepted, false);
    assert.equal(deferred.rotation?.deferred, "replica r3 is removed");
    assert.equal(rotationMessage(deferred.rotation!), "a new root key waits until replica r3 is removed");
  });

  it("without work in flight, or once begun, it goes on", () => {
    assert.equal(deferRotation(plan, replicas, undefined), plan);
    const begun: ReplicaHashes[] = [{ replica: "r1", hashes: [h("OLD"), h("NEW")], rolledOut: true }, replicas[1]!];
    const next = planRootKeyHashes({ replicas: begun, keyHash: h("NEW"), matchesKey: matching("NEW") });
    assert.equal(deferRotation(next, begun, "replica r3 is removed"), next);
  });
});

describe("BCrypt hashes as FaunaDB reads them", () => {
  it("hashRootKey writes revision 2a (jBCrypt 0.4), which bcrypt and keyMatches verify", () => {
    const hash = hashRootKey("fo0123456789abcdefABCDEF");
    assert.match(hash, /^\$2a\$10\$[./A-Za-z0-9]{53}$/);
    assert.equal(bcrypt.compareSync("fo0123456789abcdefABCDEF", hash), true);
    assert.equal(keyMatches("fo0123456789abcdefABCDEF", hash), true);
    assert.equal(keyMatches("fo0123456789abcdefABCDEX", hash), false);
  });

  it("a template line round-trips", () => {
    const hashes = [hashRootKey("fo0123456789abcdefABCDEF"), "$2a$10$abc/def.ghi"];
    assert.deepEqual(hashesInTemplate(`a: 1\n${hashesLine(hashes)}\nb: 2\n`), hashes);
    assert.equal(hashesInTemplate("a: 1\n"), undefined);
    assert.equal(hashesInTemplate(undefined), undefined);
  });
});

describe("hashRootKey", () => {
  it("a hash just made is known to match its key: no second bcrypt run on the event loop", () => {
    const key = "a-root-key-for-the-cache-test";
    const hash = hashRootKey(key);
    const t = performance.now();
    assert.equal(keyMatches(key, hash), true);
    assert.ok(performance.now() - t < 50, "answered from the cache (a bcrypt check takes ~100-300 ms)");
    assert.equal(bcrypt.compareSync(key, hash), true, "and it really matches");
    assert.equal(keyMatches("another-key", hash), false);
  });
});

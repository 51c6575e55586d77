import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import { canIsolate, elementScript, isolationWanted, NETWORK_ANNOTATION, NetworkIsolation, tableScript } from "./networkIsolation.ts";

const pod = (annotations: Record<string, string> = {}, deleting = false): V1Pod =>
  ({ metadata: { name: "p", annotations, ...(deleting ? { deletionTimestamp: new Date() } : {}) } }) as V1Pod;

test("only `isolated`, on a pod not being deleted, asks for isolation", () => {
  assert.equal(isolationWanted(pod({ [NETWORK_ANNOTATION]: "isolated" })), true);
  assert.equal(isolationWanted(pod({ [NETWORK_ANNOTATION]: " isolated " })), true);
  assert.equal(isolationWanted(pod({ [NETWORK_ANNOTATION]: "open" })), false);
  assert.equal(isolationWanted(pod()), false);
  assert.equal(isolationWanted(pod({ [NETWORK_ANNOTATION]: "isolated" }, true)), false);
});

test("the table drops an isolated address either way and starts empty; elements go in and out", () => {
  const t = tableScript();
  assert.match(t, /flush table inet fauna_localtier/);
  assert.match(t, /ip saddr @isolated drop\n\s+ip daddr @isolated drop/);
  assert.equal(elementScript("10.244.0.7", true), "add element inet fauna_localtier isolated { 10.244.0.7 }\n");
  assert.equal(elementScript("10.244.0.7", false), "delete element inet fauna_localtier isolated { 10.244.0.7 }\n");
});

test("isolates, follows an IP change, restores, makes the table once, and never repeats a call", async () => {
  const scripts: string[] = [];
  const n = new NetworkIsolation(async (s) => void scripts.push(s), () => {});
  await n.set("ns/a", "10.244.0.7", true);
  await n.set("ns/a", "10.244.0.7", true);
  await n.set("ns/a", "10.244.0.9", true);
  await n.set("ns/a", "10.244.0.9", false);
  await n.set("ns/a", "10.244.0.9", false);
  assert.equal(scripts[0], tableScript());
  assert.deepEqual(scripts.slice(1), [
    elementScript("10.244.0.7", true),
    elementScript("10.244.0.7", false),
    elementScript("10.244.0.9", true),
    elementScript("10.244.0.9", false),
  ]);
});

test("without nft it says so once and does nothing else", async () => {
  const logs: string[] = [];
  let calls = 0;
  const n = new NetworkIsolation(async () => {
    calls++;
    throw new Error("spawn nft ENOENT");
  }, (m) => logs.push(m));
  await n.set("ns/a", "10.244.0.7", true);
  await n.set("ns/b", "10.244.0.8", true);
  assert.equal(calls, 1);
  assert.equal(logs.length, 1);
  assert.match(logs[0] ?? "", /network isolation unavailable \(install nftables\)/);
});

test("canIsolate: yes when nft answers, no when it cannot run", async () => {
  assert.equal(await canIsolate(async () => {}), true);
  assert.equal(await canIsolate(async () => {
    throw new Error("spawn nft ENOENT");
  }), false);
});

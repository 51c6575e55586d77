import { test } from "node:test";
import assert from "node:assert/strict";
import { parseBackend } from "./backend.ts";
import { kindBackend } from "./kindBackend.ts";
import { localBackend } from "./localBackend.ts";

test("--backend takes local or kind and names the known ones otherwise", () => {
  assert.equal(parseBackend("local"), "local");
  assert.equal(parseBackend("kind"), "kind");
  assert.throws(() => parseBackend("minikube"), /unknown backend minikube; known: local, kind/);
  assert.equal(localBackend().name, "local");
  assert.equal(kindBackend().name, "kind");
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { watchedNamespaces } from "./run.ts";

describe("fauna-operator run --namespace", () => {
  it("absent: every namespace (one informer set without a namespace)", () => {
    assert.deepEqual(watchedNamespaces(undefined), [undefined]);
    assert.deepEqual(watchedNamespaces([]), [undefined]);
  });

  it("repeated and comma-separated flags add up, without duplicates or blanks", () => {
    assert.deepEqual(watchedNamespaces(["a", "b,c", " c ", ""]), ["a", "b", "c"]);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KubeError } from "./errors.ts";
import { Resources } from "./resource.ts";
import { describeWatchError } from "./watch.ts";

const httpError = (message: string, statusCode: number) => Object.assign(new Error(message), { statusCode });

describe("describeWatchError", () => {
  it("names the refused watch: verb, resource, namespace and code", () => {
    const err = describeWatchError(httpError("Forbidden", 403), Resources.statefulSets, "ns-1");
    assert.ok(err instanceof KubeError);
    assert.equal(err.message, "watch statefulsets.apps ns-1/*: 403 Forbidden");
    assert.equal(err.code, 403);
  });

  it("an all-namespaces watch has target *", () => {
    assert.equal((describeWatchError(httpError("Unauthorized", 401), Resources.pods, undefined) as Error).message, "watch pods *: 401 Unauthorized");
  });

  it("leaves 410 Gone (ListWatch relists on it), errors without a status and a clean end alone", () => {
    const gone = httpError("Gone", 410);
    assert.equal(describeWatchError(gone, Resources.pods, "ns"), gone);
    const reset = new Error("socket hang up");
    assert.equal(describeWatchError(reset, Resources.pods, "ns"), reset);
    assert.equal(describeWatchError(null, Resources.pods, "ns"), null);
  });
});

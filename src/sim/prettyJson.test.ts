import { test } from "node:test";
import assert from "node:assert/strict";
import { prettyJson } from "./prettyJson.ts";

test("the golden ping bodies, byte for byte (test/fixtures/golden/real-4f8f8be/10-ping-*)", () => {
  assert.equal(prettyJson({ resource: "Scope node is OK" }), '{ "resource": "Scope node is OK" }\n');
  assert.equal(Buffer.byteLength(prettyJson({ resource: "Scope write is OK" })), 36);
});

test("wide containers go one member per line, narrow nested ones stay inline", () => {
  const body = { errors: [{ code: "time out", description: "Scope write timed out after 1000 milliseconds" }] };
  assert.equal(
    prettyJson(body),
    '{\n  "errors": [\n    {\n      "code": "time out",\n      "description": "Scope write timed out after 1000 milliseconds"\n    }\n  ]\n}\n',
  );
  assert.equal(prettyJson({ a: [1, 2] }), '{ "a": [ 1, 2 ] }\n');
});

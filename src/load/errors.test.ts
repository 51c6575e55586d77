import assert from "node:assert/strict";
import { test } from "node:test";
import faunadb from "faunadb";
import { classify, describe } from "./errors.ts";

/** The error the driver raises for a 503 with this description. */
function unavailable(description: string): unknown {
  try {
    faunadb.errors.FaunaHTTPError.raiseForStatusCode({ statusCode: 503, responseContent: { errors: [{ code: "time out", description }] } } as never);
  } catch (e) {
    return e;
  }
  throw new Error("raiseForStatusCode raised nothing for a 503");
}

test("a 503 is unavailable and its report line carries FaunaDB's description, which tells one time out from another", () => {
  const noSequencer = unavailable("Request timed out.");
  const noQuorum = unavailable("Cluster metadata change was not accepted by a majority (1 of 3).");
  assert.equal(classify(noSequencer), "unavailable");
  assert.equal(describe(noSequencer), "UnavailableError 503: time out (Request timed out.)");
  assert.notEqual(describe(noSequencer), describe(noQuorum));
});

test("a description that repeats the code is not printed twice", () => {
  assert.equal(describe(unavailable("time out")), "UnavailableError 503: time out");
});

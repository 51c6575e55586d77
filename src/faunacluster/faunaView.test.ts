import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MemberStatus } from "../fauna/statusParse.ts";
import { downConfirmed, mergeViews, type MemberView } from "./faunaView.ts";

const m = (i: number, status: "up" | "down" = "up", extra: Partial<MemberStatus> = {}): MemberStatus => ({
  hostId: `h${i}`, address: `n${i}`, replica: "r1", status, state: "live", ownership: 1, ownershipGoal: 1,
  workerId: i, logSegment: i, leader: true, persistedTimestamp: null, ...extra,
});
const replication = { replicas: [{ name: "r1", type: "data+log" as const }], etag: '"1"' };
const view = (i: number, members: MemberStatus[], extra: Partial<MemberView> = {}): MemberView =>
  ({ pod: `p${i}`, hostId: `h${i}`, members, replication, movementIdle: true, ...extra });

describe("mergeViews", () => {
  const three = [m(0), m(1), m(2, "down")];

  it("a majority reporting one view confirms it; a host is down when the others' majority says so", () => {
    const v = mergeViews([view(0, three), view(1, three)]);
    assert.equal(v.provenance.confirmed, true);
    assert.deepEqual(v.provenance.agreeing, ["p0", "p1"]);
    assert.deepEqual(v.provenance.silent, ["n2"]);
    assert.equal(v.provenance.quorum, 2);
    assert.equal(v.members?.find((x) => x.hostId === "h2")?.status, "down");
    assert.ok(downConfirmed(v, "h2"));
    assert.ok(!downConfirmed(v, "h0"));
  });

  it("one member's word is not a majority view", () => {
    const v = mergeViews([view(0, three)]);
    assert.equal(v.provenance.confirmed, false);
    assert.deepEqual(v.provenance.silent, ["n1", "n2"]);
    assert.ok(!downConfirmed(v, "h2"), "one observer cannot confirm a host down");
  });

  it("no answer at all: no view", () => {
    const v = mergeViews([]);
    assert.equal(v.members, null);
    assert.equal(v.provenance.confirmed, false);
  });

  it("two views of the same size disagreeing: not confirmed, whichever is taken", () => {
    const other = [m(0), m(1), m(3)];
    const v = mergeViews([view(0, three), view(1, other)]);
    assert.equal(v.provenance.confirmed, false);
    assert.equal(v.provenance.disagreeing.length, 1);
  });

  it("a minority disagreeing is named but does not stop a majority", () => {
    const five = [m(0), m(1), m(2), m(3), m(4)];
    const stale = [m(0), m(1), m(2), m(3)];
    const v = mergeViews([view(0, five), view(1, five), view(2, five), view(3, stale)]);
    assert.equal(v.provenance.confirmed, true);
    assert.deepEqual(v.provenance.disagreeing, ["p3"]);
  });

  it("a member whose view does not list itself, or whose calls failed, does not vote", () => {
    const v = mergeViews([view(0, [m(1), m(2)]), view(1, three, { replication: null }), view(2, three)]);
    assert.deepEqual(v.provenance.disagreeing, ["p0", "p1"]);
    assert.equal(v.provenance.confirmed, false);
  });

  it("departed hosts (address n/a) are listed but do not vote", () => {
    const withDeparted = [m(0), m(1), m(9, "down", { address: "n/a", state: "removed" })];
    const v = mergeViews([view(0, withDeparted), view(1, withDeparted)]);
    assert.equal(v.provenance.voters, 2);
    assert.equal(v.provenance.quorum, 2);
    assert.equal(v.provenance.confirmed, true);
    assert.deepEqual(v.provenance.silent, []);
  });

  it("movement is idle only when every agreeing member says so", () => {
    assert.equal(mergeViews([view(0, three), view(1, three, { movementIdle: false })]).movementIdle, false);
    assert.equal(mergeViews([view(0, three), view(1, three, { movementIdle: null })]).movementIdle, null);
    assert.equal(mergeViews([view(0, three), view(1, three)]).movementIdle, true);
  });

  it("a host that answers us but its peers cannot hear is down for the cluster", () => {
    const seenBy2 = [m(0), m(1, "down"), m(2)];
    const v = mergeViews([view(0, seenBy2), view(1, [m(0), m(1), m(2)]), view(2, seenBy2)]);
    // p1 reports everyone up: it disagrees on nothing structural, so it agrees; the others report it down.
    assert.equal(v.members?.find((x) => x.hostId === "h1")?.status, "down");
    assert.equal(v.provenance.downVotes.h1, 2);
  });
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { FailureDetector, PHI_THRESHOLD } from "./failureDetector.ts";

/** Heartbeats every second until `silentFrom`, interpretations every second; returns when `h` was first seen dead. */
function downAfter(silentFromS: number, checkMs = 1000): number {
  const fd = new FailureDetector(checkMs, 0);
  for (let t = 0; t <= 200_000; t += checkMs) {
    if (t <= silentFromS * 1000) fd.mark("h", t);
    fd.interpret(["h"], t);
    if (!fd.isAlive("h")) return (t - silentFromS * 1000) / 1000;
  }
  return Infinity;
}

test("PhiThreshold is 8 / (1 / ln 10) ≈ 18.42 (FailureDetector.scala)", () => {
  assert.ok(Math.abs(PHI_THRESHOLD - 18.4207) < 1e-3);
});

test("a host heard every second for a while is down after ~18-19 s of silence, not sooner", () => {
  const s = downAfter(120);
  assert.ok(s >= 18 && s <= 20, `down after ${s} s`);
});

test("right after its first heartbeats the mean is higher (MaxInterval seeds it), so detection is slower", () => {
  const early = downAfter(3);
  assert.ok(early > downAfter(120), `early ${early}`);
  assert.ok(early <= 30, `early ${early}`);
});

test("a member never heard from is down; heard once it is up; after death a heartbeat revives it", () => {
  const fd = new FailureDetector(1000, 0);
  assert.equal(fd.isAlive("h"), false);
  fd.mark("h", 100);
  assert.equal(fd.isAlive("h"), true);
  for (let t = 1000; t <= 60_000; t += 1000) fd.interpret(["h"], t);
  assert.equal(fd.isAlive("h"), false);
  fd.mark("h", 60_500);
  fd.interpret(["h"], 61_000);
  assert.equal(fd.isAlive("h"), true);
});

test("a local pause over 5 s suspends marking hosts down for 5 s", () => {
  const fd = new FailureDetector(1000, 0);
  fd.mark("h", 0);
  fd.interpret(["h"], 60_000); // the process itself was stopped for a minute
  assert.equal(fd.isAlive("h"), true);
  fd.interpret(["h"], 61_000);
  assert.equal(fd.isAlive("h"), true);
  fd.interpret(["h"], 66_000);
  assert.equal(fd.isAlive("h"), false);
});

test("the check interval scales detection (a documented simulator setting)", () => {
  const s = downAfter(12, 100);
  assert.ok(s >= 1.8 && s <= 2.1, `down after ${s} s at 100 ms heartbeats`);
});

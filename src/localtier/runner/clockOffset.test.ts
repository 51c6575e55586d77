import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { V1Pod } from "@kubernetes/client-node";
import { CLOCK_OFFSET_ANNOTATION, ClockOffsetFile, clockOffsetContent, clockOffsetEnv } from "./clockOffset.ts";
import { fakeTimeClock } from "../../sim/clock.ts";

const pod = (offset?: string): V1Pod => ({ metadata: { name: "p", annotations: offset === undefined ? {} : { [CLOCK_OFFSET_ANNOTATION]: offset } } });

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "clock-offset-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "clock");
}

test("the file holds the annotation, or +0 without one", () => {
  assert.equal(clockOffsetContent(pod("+5s")), "+5s");
  assert.equal(clockOffsetContent(pod(" -2 ")), "-2");
  assert.equal(clockOffsetContent(pod()), "+0");
  assert.equal(clockOffsetContent(pod("")), "+0");
  assert.deepEqual(clockOffsetEnv("/run/x/clock"), { FAKETIME_TIMESTAMP_FILE: "/run/x/clock/faketime", FAKETIME_CACHE_DURATION: "1" });
});

test("writes only changes, in order, leaving no temporary file behind", async () => {
  const dir = tempDir();
  const logs: string[] = [];
  const f = new ClockOffsetFile(dir, (m) => logs.push(m));
  await f.set("+0");
  assert.equal(readFileSync(join(dir, "faketime"), "utf8"), "+0\n");
  void f.set("+5s");
  void f.set("+5s");
  await f.set("-2s");
  assert.equal(readFileSync(join(dir, "faketime"), "utf8"), "-2s\n");
  assert.deepEqual(readdirSync(dir), ["faketime"]);
  assert.deepEqual(logs, ["clock offset +5s", "clock offset -2s"], "the initial +0 is not news");
});

test("a simulator clock pointed at the file follows the annotation", async () => {
  const dir = tempDir();
  const f = new ClockOffsetFile(dir, () => {});
  let real = 1_750_000_000_000;
  await f.set(clockOffsetContent(pod("+0.5")));
  const clock = fakeTimeClock(clockOffsetEnv(dir), { realNow: () => real });
  assert.equal(clock.now() - real, 500);
  await f.set(clockOffsetContent(pod("-2s")));
  real += 1000;
  assert.equal(clock.now() - real, -2000, "re-read after FAKETIME_CACHE_DURATION=1");
  await f.set(clockOffsetContent(pod()));
  real += 1000;
  assert.equal(clock.now() - real, 0);
});

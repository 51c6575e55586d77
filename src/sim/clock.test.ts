import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLOCK_OFFSET_ANNOTATION, downwardApiValue, fakeTimeClock, fakeTimeFileValue, parseFakeTime } from "./clock.ts";

const T0 = 1_750_000_000_000;

/** A clock over a real temp file, with the real time under the test's control. */
function fileClock(env: NodeJS.ProcessEnv = {}) {
  const dir = mkdtempSync(join(tmpdir(), "faketime-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "faketime");
  let real = T0;
  const logs: string[] = [];
  const clock = fakeTimeClock({ FAKETIME_TIMESTAMP_FILE: file, ...env }, { realNow: () => real, log: (l) => logs.push(l) });
  return {
    clock,
    logs,
    write: (content: string) => writeFileSync(file, content),
    remove: () => rmSync(file, { force: true }),
    advance: (ms: number) => (real += ms),
    skew: () => clock.now() - real,
  };
}

test("FAKETIME relative forms", () => {
  assert.equal(parseFakeTime(undefined), undefined);
  assert.equal(parseFakeTime(" "), undefined);
  assert.equal(parseFakeTime("+5s"), 5000);
  assert.equal(parseFakeTime("-2"), -2000);
  assert.equal(parseFakeTime("+0.5"), 500);
  assert.equal(parseFakeTime("+1m"), 60_000);
  assert.throws(() => parseFakeTime("@2020-01-01 00:00:00"), /relative form/);
  assert.throws(() => parseFakeTime("+500ms"), /relative form/, "libfaketime would read 500 minutes: refused");
});

test("a timestamp file's content: comment lines and line breaks go, as in libfaketime", () => {
  assert.equal(fakeTimeFileValue("# skew\n+5s\n"), "+5s");
  assert.equal(fakeTimeFileValue("; x\r\n-2\r\n"), "-2");
  assert.equal(fakeTimeFileValue(""), "");
});

test("without FAKETIME_TIMESTAMP_FILE the offset is FAKETIME's, fixed", () => {
  let real = T0;
  const c = fakeTimeClock({ FAKETIME: "-2s" }, { realNow: () => real });
  assert.equal(c.now(), T0 - 2000);
  real += 100;
  assert.equal(c.now(), T0 - 1900);
  assert.equal(c.offsetMs, -2000);
  assert.equal(fakeTimeClock({}, { realNow: () => T0 }).now(), T0);
  assert.throws(() => fakeTimeClock({ FAKETIME: "yesterday" }), /relative form/);
});

test("the file's offset applies from the start and changes once the cache duration has passed", () => {
  const f = fileClock({ FAKETIME_CACHE_DURATION: "1" });
  f.remove();
  assert.equal(f.skew(), 0, "a missing file: no offset");
  f.advance(1000);
  f.write("+5s\n");
  assert.equal(f.skew(), 5000);
  f.write("-2");
  f.advance(999);
  assert.equal(f.skew(), 5000, "still cached");
  f.advance(1);
  assert.equal(f.skew(), -2000);
  assert.equal(f.clock.offsetMs, -2000);
  f.write("");
  f.advance(1000);
  assert.equal(f.skew(), 0, "an empty file: no offset");
  f.write("+0.5");
  f.advance(1000);
  f.remove();
  assert.equal(f.skew(), 0, "removed again: no offset");
  assert.deepEqual(f.logs.map((l) => l.replace(/ \(FAKETIME_TIMESTAMP_FILE .*\)$/, "")), [
    "clock offset 0 ms -> 5000 ms", "clock offset 5000 ms -> -2000 ms", "clock offset -2000 ms -> 0 ms",
  ]);
});

test("the file is not read more often than the cache duration (default 10 s, as libfaketime)", () => {
  let reads = 0;
  let real = T0;
  const c = fakeTimeClock({ FAKETIME_TIMESTAMP_FILE: "/f" }, { realNow: () => real, readFile: () => (reads++, "+1") });
  for (let i = 0; i < 1000; i++) c.now();
  assert.equal(reads, 1);
  real += 9999;
  c.now();
  assert.equal(reads, 1);
  real += 1;
  assert.equal(c.now(), real + 1000);
  assert.equal(reads, 2);
  const uncached = fakeTimeClock({ FAKETIME_TIMESTAMP_FILE: "/f", FAKETIME_NO_CACHE: "1" }, { realNow: () => real, readFile: () => (reads++, "+1") });
  uncached.now();
  uncached.now();
  assert.equal(reads, 5, "FAKETIME_NO_CACHE=1 reads at every call");
  assert.throws(() => fakeTimeClock({ FAKETIME_TIMESTAMP_FILE: "/f", FAKETIME_CACHE_DURATION: "soon" }), /FAKETIME_CACHE_DURATION/);
});

test("invalid content keeps the offset in force and is logged once, not at every read", () => {
  const f = fileClock({ FAKETIME_CACHE_DURATION: "0" });
  f.write("+2s");
  f.advance(1);
  assert.equal(f.skew(), 2000);
  f.write("+500ms");
  for (let i = 0; i < 5; i++) {
    f.advance(1);
    assert.equal(f.skew(), 2000);
  }
  const complaints = f.logs.filter((l) => l.includes("not a relative offset"));
  assert.equal(complaints.length, 1, f.logs.join("\n"));
  assert.match(complaints[0]!, /"\+500ms" is not a relative offset .*stays 2000 ms/);
  f.write("+3");
  f.advance(1);
  assert.equal(f.skew(), 3000);
});

test("an unreadable file keeps the offset in force", () => {
  let fail = false;
  let real = T0;
  const logs: string[] = [];
  const c = fakeTimeClock({ FAKETIME_TIMESTAMP_FILE: "/f", FAKETIME_CACHE_DURATION: "0" }, {
    realNow: () => real, log: (l) => logs.push(l),
    readFile: () => {
      if (fail) throw new Error("EACCES: permission denied");
      return "+1";
    },
  });
  fail = true;
  real++;
  assert.equal(c.now() - real, 1000);
  assert.ok(logs.some((l) => l.includes("EACCES")), logs.join("\n"));
});

test("FAKETIME has priority over the file, as in libfaketime: the file is not read", () => {
  const logs: string[] = [];
  const c = fakeTimeClock({ FAKETIME: "+1", FAKETIME_TIMESTAMP_FILE: "/f" }, {
    realNow: () => T0, log: (l) => logs.push(l), readFile: () => assert.fail("read"),
  });
  assert.equal(c.now(), T0 + 1000);
  assert.match(logs.join("\n"), /FAKETIME is set, so FAKETIME_TIMESTAMP_FILE \(\/f\) is not read/);
});

test("the monotonic clock ignores the offset", () => {
  let mono = 5;
  const c = fakeTimeClock({ FAKETIME_TIMESTAMP_FILE: "/f", FAKETIME_NO_CACHE: "1" }, { realNow: () => T0, monotonic: () => mono, readFile: () => "+1h" });
  assert.equal(c.monotonic(), 5);
  mono = 7;
  assert.equal(c.monotonic(), 7);
});

test("a downward API file's values: Go-quoted, by exact key", () => {
  const content = `a.io/x="1"\n${CLOCK_OFFSET_ANNOTATION}="+5s"\nz.io/q="say \\"hi\\""`;
  assert.equal(downwardApiValue(content, CLOCK_OFFSET_ANNOTATION), "+5s");
  assert.equal(downwardApiValue(content, "z.io/q"), 'say "hi"');
  assert.equal(downwardApiValue(content, "a.io"), undefined);
  assert.equal(downwardApiValue("k=unquoted", "k"), undefined);
});

test("without either FAKETIME variable the pod's clock-offset annotation skews the node, re-read each second", () => {
  const dir = mkdtempSync(join(tmpdir(), "podinfo-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const annotations = join(dir, "annotations");
  let real = T0;
  const logs: string[] = [];
  const clock = fakeTimeClock({}, { realNow: () => real, log: (l) => logs.push(l), podAnnotationsFile: annotations });
  assert.equal(clock.now() - real, 0, "no file: no offset");
  writeFileSync(annotations, `fauna-operator.io/config-hash="abc"\n${CLOCK_OFFSET_ANNOTATION}="+5s"`);
  real += 1000;
  assert.equal(clock.now() - real, 5000);
  writeFileSync(annotations, `fauna-operator.io/config-hash="abc"`);
  real += 999;
  assert.equal(clock.now() - real, 5000, "still the last read");
  real += 1;
  assert.equal(clock.now() - real, 0, "annotation removed: no offset");
  assert.match(logs[0] ?? "", new RegExp(`annotation ${CLOCK_OFFSET_ANNOTATION} in ${annotations}`));
  const timestampFile = join(dir, "faketime");
  writeFileSync(timestampFile, "-3s");
  const both = fakeTimeClock({ FAKETIME_TIMESTAMP_FILE: timestampFile }, { realNow: () => real, podAnnotationsFile: annotations });
  assert.equal(both.now() - real, -3000, "FAKETIME_TIMESTAMP_FILE wins over the annotation");
});

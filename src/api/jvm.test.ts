import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { jvmSizes, jvmBytes } from "./jvm.ts";
import { parseJvmSize, parseQuantity } from "./quantity.ts";

describe("parseQuantity", () => {
  const cases: [string | number, number | undefined][] = [
    ["512Mi", 512 * 2 ** 20],
    ["1Gi", 2 ** 30],
    ["2G", 2e9],
    ["500m", 0.5],
    ["1.5Gi", 1.5 * 2 ** 30],
    ["1e3", 1000],
    [3, 3],
    ["lots", undefined],
    ["1Gb", undefined],
  ];
  for (const [q, want] of cases) it(`${q} -> ${want}`, () => assert.equal(parseQuantity(q), want));
});

describe("parseJvmSize", () => {
  const cases: [string, number | undefined][] = [
    ["4G", 4 * 2 ** 30],
    ["512m", 512 * 2 ** 20],
    ["1024", 1024],
    ["4Gi", undefined],
  ];
  for (const [s, want] of cases) it(`${s} -> ${want}`, () => assert.equal(parseJvmSize(s), want));
});

describe("jvmSizes (FACTS §6)", () => {
  const cases = [
    { name: "half and a quarter of the limit", jvm: undefined, resources: { limits: { memory: "8Gi" } }, want: { maxHeapSize: "4096M", maxDirectSize: "2048M" } },
    { name: "request when no limit", jvm: undefined, resources: { requests: { memory: "2Gi" } }, want: { maxHeapSize: "1024M", maxDirectSize: "512M" } },
    { name: "fallback without memory", jvm: undefined, resources: undefined, want: { maxHeapSize: "1024M", maxDirectSize: "512M" } },
    { name: "floors for tiny pods", jvm: undefined, resources: { limits: { memory: "128Mi" } }, want: { maxHeapSize: "256M", maxDirectSize: "64M" } },
    { name: "explicit values win", jvm: { maxHeapSize: "3G" }, resources: { limits: { memory: "8Gi" } }, want: { maxHeapSize: "3G", maxDirectSize: "2048M" } },
  ];
  for (const tc of cases) it(tc.name, () => assert.deepEqual(jvmSizes(tc.jvm, tc.resources), tc.want));

  it("adds heap and direct", () => {
    assert.equal(jvmBytes({ maxHeapSize: "1G", maxDirectSize: "512M" }), 1.5 * 2 ** 30);
  });
});

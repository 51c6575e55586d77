import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { annotationKey, containerResourceName, labelKey, qualifiedNameLengths } from "./kubeNames.ts";

const prefix253 = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`;

describe("Kubernetes name rules", () => {
  it("label keys: [DNS-subdomain prefix/]name, prefix <= 253 and name <= 63 characters", () => {
    for (const ok of ["a", "A-b_c.9", "kubernetes.io/hostname", "example.com/Name", `${prefix253}/x`, "n".repeat(63)]) {
      assert.ok(labelKey.test(ok), ok);
    }
    for (const bad of ["", "bad key!", "-x", "x-", "Example.com/x", "a..b/x", "a/b/c", "example.com/", "/x", `${prefix253}a/x`, "n".repeat(64)]) {
      assert.ok(!labelKey.test(bad), bad);
    }
  });

  it("annotation keys: like label keys, but the prefix may use capitals", () => {
    assert.ok(annotationKey.test("Example.COM/Owner"));
    assert.ok(!annotationKey.test("my note"));
    assert.ok(!annotationKey.test("example.com./x"));
  });

  it("part lengths alone", () => {
    assert.ok(qualifiedNameLengths.test(`${prefix253}/${"n".repeat(63)}`));
    assert.ok(!qualifiedNameLengths.test(`${prefix253}a/x`));
    assert.ok(!qualifiedNameLengths.test(""));
  });

  it("container resource names: standard, hugepages-<size>, or domain-qualified extended", () => {
    for (const ok of ["cpu", "memory", "ephemeral-storage", "hugepages-2Mi", "hugepages-1Gi", "nvidia.com/gpu", "example.com/Foo_1"]) {
      assert.ok(containerResourceName.test(ok), ok);
    }
    for (const bad of ["k", "CPU", "storage", "hugepages-", "hugepages-x", "requests.example.com/gpu", "nvidia.com/", "a/b/c", `${"d".repeat(245)}/x`]) {
      assert.ok(!containerResourceName.test(bad), bad);
    }
  });
});

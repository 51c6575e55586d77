import { test } from "node:test";
import assert from "node:assert/strict";
import { orderMounts } from "./volumes.ts";

const m = (source: string, target: string) => ({ source, target, readOnly: false });

test("parents are mounted before the targets inside them", () => {
  const order = orderMounts([m("/w/b", "/etc/faunadb/template"), m("/w/a", "/etc/faunadb")]).map((x) => x.target);
  assert.deepEqual(order, ["/etc/faunadb", "/etc/faunadb/template"]);
});

test("a target that would hide another mount's source is mounted after it", () => {
  const order = orderMounts([
    m("/tmp/tier/pods/p/volumes/tmp", "/tmp"),
    m("/tmp/tier/volumes/data", "/var/lib/faunadb"),
    m("/tmp/tier/pods/p/volumes/run", "/var/run/faunadb"),
  ]).map((x) => x.target);
  assert.equal(order.at(-1), "/tmp");
  assert.equal(order.length, 3);
});

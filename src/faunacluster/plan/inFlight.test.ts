// Status is a cache, not an authority (issue 10): an in-flight record read from status is checked against the
// accepted topology and the observation before it is continued.
import assert from "node:assert/strict";
import { test } from "node:test";
import { plan } from "./plan.ts";
import { cluster, hostId, podName } from "./testing.ts";
import type { InFlight } from "./types.ts";

const twoNodes = [{ name: "r1", type: "data+log" as const, nodes: 2 }];
const removal = (over: Partial<InFlight & { kind: "remove" }> = {}): InFlight =>
  ({ kind: "remove", stage: "leaving", replica: "r1", ordinal: 2, pod: podName("r1", 2), hostId: hostId("r1", 2), ...over });

const rows: { name: string; record: InFlight; accepted?: typeof twoNodes; says: RegExp }[] = [
  { name: "a removal of an ordinal the accepted topology keeps", record: removal(), accepted: [{ name: "r1", type: "data+log", nodes: 3 }], says: /ordinal 2 of r1 is not being scaled away/ },
  { name: "a removal naming another host than the pod holds", record: removal({ hostId: "someone-else" }), says: /names host someone-else, but fc-r1-2 is host r1-2-host/ },
  { name: "a removal at stage shrinking whose pod is still a member", record: removal({ stage: "shrinking" }), says: /stage shrinking, but fc-r1-2 is still host r1-2-host/ },
  { name: "a removal of a replica that has nothing left", record: removal({ replica: "gone" }), says: /replica gone has no StatefulSet, pod or volume/ },
  { name: "an init of a pod that is not ordinal 0 of the first data+log replica", record: { kind: "init", pod: podName("r1", 1), replica: "r1" }, says: /init belongs to ordinal 0/ },
  { name: "a replacement in a replica that is gone", record: { kind: "replace", stage: "removing", replica: "gone", ordinal: 0, pod: "x", hostId: "h" }, says: /replica gone is gone/ },
];

for (const row of rows) {
  test(`discarded, with a Warning: ${row.name}`, () => {
    const d = plan(cluster({ r1: ["live", "live", "live"] }, { spec: { r1: ["data+log", 2] }, state: { accepted: row.accepted ?? twoNodes, inFlight: row.record } }));
    assert.equal(d.actions.length, 1);
    const a = d.actions[0];
    assert.equal(a?.kind, "discardInFlight");
    assert.match(a?.kind === "discardInFlight" ? a.why : "", row.says);
    assert.equal(d.state.inFlight, null);
  });
}

test("a replacement whose host answers again as itself from its own pod is abandoned, not forced", () => {
  const record: InFlight = { kind: "replace", stage: "removing", replica: "r1", ordinal: 2, pod: podName("r1", 2), hostId: hostId("r1", 2) };
  const d = plan(cluster({ r1: ["live", "live", "live"] }, { state: { inFlight: record } }));
  assert.deepEqual(d.actions.map((a) => a.kind), ["discardInFlight"]);
  assert.equal(d.state.inFlight, null);
});

test("a record that fits is continued", () => {
  const d = plan(cluster({ r1: ["live", "live", "live"] }, { spec: { r1: ["data+log", 2] }, state: { accepted: twoNodes, inFlight: removal() } }));
  assert.deepEqual(d.actions.map((a) => a.kind), ["setInFlight", "removeHost"]);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { IDLE_EVICT_MS, OperatorCertificates } from "./operatorCert.ts";
import { issueCa } from "./pki.ts";

test("one client certificate per CA, reused; a CA not asked for within the idle time is forgotten", async () => {
  let now = Date.parse("2026-12-01T00:00:00Z");
  const certs = new OperatorCertificates({ commonName: "fauna-operator", now: () => now });
  const a = issueCa({ commonName: "a", now: new Date(now), days: 10 });
  const b = issueCa({ commonName: "b", now: new Date(now), days: 10 });
  const first = await certs.for(a);
  assert.equal((await certs.for(a)).cert, first.cert, "reused");
  await certs.for(b);
  assert.equal(certs.size, 2);
  now += IDLE_EVICT_MS / 2;
  await certs.for(a);
  now += IDLE_EVICT_MS / 2 + 1000;
  await certs.for(a); // b was last asked for longer ago than the idle time
  assert.equal(certs.size, 1);
  assert.equal((await certs.for(a)).cert, first.cert, "the CA in use keeps its certificate");
});

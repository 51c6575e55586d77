// What TLS costs one admin call (issue 14's note on TLS, bench/RESULTS.md): two simulator nodes, one in cleartext
// and one with FaunaDB's admin TLS (admin_ssl_key_file + admin_ssl_trust_file), each asked `GET /admin/identity`
// through the operator's own admin client (src/fauna/client.ts), in sequence; prints per-call percentiles and how
// many TLS handshakes the calls made. Usage: node bench/adminTls.ts [--calls 200]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createHttpFaunaAdmin } from "../src/fauna/client.ts";
import { issueCa, issueCert, keyFile } from "../src/faunacluster/tls/pki.ts";
import { FAST_SIM_ENV } from "../src/sim/settings.ts";
import { kill, prepare, ROOT_KEY, start, waitAdmin } from "../src/sim/testing/processCluster.ts";
import { percentilesMs } from "./lib/stats.ts";

const { values: o } = parseArgs({ options: { calls: { type: "string", default: "200" } } });
const calls = Number(o.calls);
const base = mkdtempSync(join(tmpdir(), "bench-admin-tls-"));
const now = new Date();
const ca = issueCa({ commonName: "bench CA", now, days: 1 });
const file = (name: string, text: string) => {
  const p = join(base, name);
  writeFileSync(p, text);
  return p;
};
const PLAIN = "127.0.0.241";
const TLS = "127.0.0.242";
const plain = prepare(base, "plain", PLAIN, ROOT_KEY);
const secure = prepare(base, "tls", TLS, ROOT_KEY, {
  admin_ssl_key_file: file("node.pem", keyFile(issueCert(ca, { commonName: TLS, ipAddresses: [TLS], usage: "peer", now, days: 1 }), ca)),
  admin_ssl_trust_file: file("ca.pem", ca.cert),
});
const client = issueCert(ca, { commonName: "fauna-operator", usage: "client", now, days: 1 });
let handshakes = 0;
const count = (socket: import("node:tls").TLSSocket) => socket.once("secureConnect", () => void (handshakes += socket.isSessionReused() ? 0 : 1));
const original = https.Agent.prototype.createConnection;
https.Agent.prototype.createConnection = function (this: https.Agent, ...args: Parameters<typeof original>) {
  const socket = original.apply(this, args) as import("node:tls").TLSSocket;
  count(socket);
  return socket;
};

try {
  start(plain, FAST_SIM_ENV);
  start(secure, FAST_SIM_ENV);
  await Promise.all([waitAdmin(plain), waitAdmin(secure)]);
  const run = async (node: string, tls: boolean) => {
    const admin = createHttpFaunaAdmin({ rootKey: ROOT_KEY, ...(tls ? { tls: { ca: ca.cert, cert: client.cert, key: client.key } } : {}) });
    const ms: number[] = [];
    handshakes = 0;
    for (let i = 0; i < calls; i++) {
      const t = performance.now();
      await admin.identity(node);
      ms.push(performance.now() - t);
    }
    const p = percentilesMs(ms)!;
    console.log(`${tls ? "mutual TLS" : "cleartext "}: ${calls} calls, p50 ${p.p50} ms, p99 ${p.p99} ms, max ${p.max} ms; full TLS handshakes ${handshakes}`);
  };
  await run(PLAIN, false);
  await run(TLS, true);
  await run(PLAIN, false);
  await run(TLS, true);
} finally {
  await Promise.all([kill(plain, "SIGTERM"), kill(secure, "SIGTERM")]);
  rmSync(base, { recursive: true, force: true });
}

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createServer as createHttp, type Server as HttpServer } from "node:http";
import { createServer as createHttps } from "node:https";
import type { AddressInfo, Server } from "node:net";
import type { V1Container, V1Probe } from "@kubernetes/client-node";
import { issueCa, issueCert } from "../../faunacluster/tls/pki.ts";
import { resolvePort, runProbe } from "./probes.ts";

const now = new Date();
const ca = issueCa({ commonName: "probe-test-ca", now, days: 1 });
// A certificate no probe could verify: another name, an unknown CA (the kubelet skips verification anyway).
const serverCert = issueCert(ca, { commonName: "elsewhere.example", dnsNames: ["elsewhere.example"], usage: "server", now, days: 1 });

const answer = (req: { url?: string | undefined }, res: { statusCode: number; end: (t: string) => void }) => {
  res.statusCode = req.url === "/ready" ? 200 : req.url === "/moved" ? 302 : 500;
  res.end("");
};

const listen = async (s: Server): Promise<number> => {
  await new Promise<void>((ok) => s.listen(0, "127.0.0.1", () => ok()));
  return (s.address() as AddressInfo).port;
};

const container: V1Container = { name: "c", ports: [{ name: "api", containerPort: 0 }] };
const ctx = { podIP: "127.0.0.1", container };
const httpGet = (port: number | string, path: string, scheme?: "HTTP" | "HTTPS"): V1Probe => ({ httpGet: { port, path, ...(scheme ? { scheme } : {}) }, timeoutSeconds: 2 });

describe("httpGet probes, as the kubelet runs them", () => {
  const servers: Server[] = [];
  let tlsPort = 0;
  let mtlsPort = 0;
  let plainPort = 0;
  const seen: string[] = [];
  before(async () => {
    const tls = createHttps({ key: serverCert.key, cert: serverCert.cert }, (req, res) => {
      seen.push(`${req.socket.remotePort}`);
      answer(req, res);
    });
    // A server that demands a client certificate: the kubelet has none to show.
    const mtls = createHttps({ key: serverCert.key, cert: serverCert.cert, ca: [ca.cert], requestCert: true, rejectUnauthorized: true }, answer);
    const plain: HttpServer = createHttp(answer);
    servers.push(tls, mtls, plain);
    [tlsPort, mtlsPort, plainPort] = await Promise.all([listen(tls), listen(mtls), listen(plain)]);
  });
  after(() => servers.forEach((s) => s.close()));

  it("HTTPS: TLS without verifying the server certificate; 200-399 pass, others fail", async () => {
    assert.equal(await runProbe(httpGet(tlsPort, "/ready", "HTTPS"), ctx), true);
    assert.equal(await runProbe(httpGet(tlsPort, "/moved", "HTTPS"), ctx), true);
    assert.equal(await runProbe(httpGet(tlsPort, "/broken", "HTTPS"), ctx), false);
  });

  it("HTTPS: each probe is a new connection (the kubelet turns keep-alives off)", async () => {
    seen.length = 0;
    await runProbe(httpGet(tlsPort, "/ready", "HTTPS"), ctx);
    await runProbe(httpGet(tlsPort, "/ready", "HTTPS"), ctx);
    assert.equal(new Set(seen).size, 2);
  });

  it("HTTPS: a server that demands a client certificate fails the probe (the kubelet shows none)", async () => {
    assert.equal(await runProbe(httpGet(mtlsPort, "/ready", "HTTPS"), ctx), false);
  });

  it("the scheme must match the port: HTTPS to a cleartext port fails, HTTP to a TLS port fails", async () => {
    assert.equal(await runProbe(httpGet(plainPort, "/ready", "HTTPS"), ctx), false);
    assert.equal(await runProbe(httpGet(tlsPort, "/ready", "HTTP"), ctx), false);
  });

  it("HTTP (the default scheme) as before; a named port resolves through the container's ports", async () => {
    assert.equal(await runProbe(httpGet(plainPort, "/ready"), ctx), true);
    assert.equal(await runProbe(httpGet(plainPort, "/broken"), ctx), false);
    const named = { ...ctx, container: { name: "c", ports: [{ name: "api", containerPort: tlsPort }] } };
    assert.equal(resolvePort(named.container, "api"), tlsPort);
    assert.equal(await runProbe({ httpGet: { port: "api", path: "/ready", scheme: "HTTPS" } }, named), true);
  });
});

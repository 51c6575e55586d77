import assert from "node:assert/strict";
import { createServer } from "node:http";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { kubeConfigTransport } from "./transport.ts";

describe("kubeConfigTransport", () => {
  it("calls beforeSend after authentication, and a throw there keeps the request from the server", async () => {
    const received: string[] = [];
    const server = createServer((req, res) => {
      received.push(`${req.method} ${req.url} ${req.headers.authorization ?? ""}`);
      res.setHeader("Content-Type", "application/json");
      res.end("{}");
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: "c", server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
        users: [{ name: "u", token: "t0k3n" }],
        contexts: [{ name: "x", cluster: "c", user: "u" }],
        currentContext: "x",
      });
      const t = kubeConfigTransport(kc);
      const ok = await t.request({ method: "DELETE", path: "/api/v1/namespaces/ns/pods/p", beforeSend: () => {} });
      assert.equal(ok.status, 200);
      await assert.rejects(t.request({ method: "DELETE", path: "/api/v1/namespaces/ns/pods/q", beforeSend: () => { throw new Error("fenced"); } }), /fenced/);
      assert.deepEqual(received, ["DELETE /api/v1/namespaces/ns/pods/p Bearer t0k3n"]);
    } finally {
      server.close();
    }
  });
});

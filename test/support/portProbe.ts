// What a client meets on a port, for tests of who may talk to a FaunaDB node: a TCP connect, and a TLS handshake
// that counts as accepted only if the server keeps the connection after it (over TLS 1.2, FaunaDB's peer suites, a
// refused client certificate ends the handshake; over TLS 1.3 the server's refusal can arrive after secureConnect).
import { connect as netConnect } from "node:net";
import { setTimeout } from "node:timers/promises";
import { connect as tlsConnect, type ConnectionOptions } from "node:tls";

/** "open" when something accepts the connection, "refused" when nothing listens, else the error code. */
export function tcpProbe(address: string, port: number, timeoutMs = 5000): Promise<string> {
  return new Promise((ok) => {
    const s = netConnect(port, address);
    s.setTimeout(timeoutMs, () => (s.destroy(), ok("timeout")));
    s.on("connect", () => (s.destroy(), ok("open")));
    s.on("error", (e: NodeJS.ErrnoException) => ok(e.code === "ECONNREFUSED" ? "refused" : `error ${e.code}`));
  });
}

/** "accepted", "closed" (the server hung up after the handshake) or "refused: <why>". No hostname check. */
export function tlsHandshake(address: string, port: number, options: ConnectionOptions, timeoutMs = 5000): Promise<string> {
  return new Promise((ok) => {
    const s = tlsConnect({ host: address, port, checkServerIdentity: () => undefined, timeout: timeoutMs, ...options });
    let settled = false;
    const done = (v: string) => {
      if (settled) return;
      settled = true;
      s.destroy();
      ok(v);
    };
    s.on("secureConnect", () => void setTimeout(300).then(() => done(s.destroyed ? "closed" : "accepted")));
    s.on("timeout", () => done("refused: timeout"));
    s.on("error", (e) => done(`refused: ${e.message}`));
    s.on("close", () => done("closed"));
  });
}

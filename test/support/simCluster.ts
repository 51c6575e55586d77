// Test helper: a small simulated FaunaDB cluster as processes on 127.0.0.x (no Kubernetes), built the OPERATING.md
// way (init, join, settle, every replica data+log), ready for FQL through the `faunadb` driver.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ReplicationGetResponse } from "../../src/fauna/wire.ts";
import { FAST_SIM_ENV } from "../../src/sim/settings.ts";
import { admin, http, kill, prepare, start, waitFor, type SimProc } from "../../src/sim/testing/processCluster.ts";

export { ROOT_KEY } from "../../src/sim/testing/processCluster.ts";

/** Every FaunaDB delay at (nearly) zero (src/sim/settings.ts): these tests check behaviour, not timing. */
export const FAST: Readonly<Record<string, string>> = FAST_SIM_ENV;

export interface SimCluster {
  nodes: SimProc[];
  stop(): Promise<void>;
}

/**
 * `replicas` single-node replicas at 127.0.0.<firstOctet + i>, all data+log, writable on every node; `env` for
 * every node, `envOf(i)` added for node i (a fault switch on one node).
 */
export async function simCluster(name: string, firstOctet: number, replicas: number, env: Record<string, string> = {}, envOf: (i: number) => Record<string, string> = () => ({})): Promise<SimCluster> {
  const base = mkdtempSync(join(tmpdir(), `${name}-`));
  const nodes = Array.from({ length: replicas }, (_, i) => prepare(base, `${name}${i + 1}`, `127.0.0.${firstOctet + i}`));
  const stop = async () => {
    await Promise.all(nodes.map((n) => kill(n, "SIGTERM")));
    rmSync(base, { recursive: true, force: true });
  };
  try {
    nodes.forEach((n, i) => start(n, { ...FAST, ...env, ...envOf(i) }));
    // A shared 2-core machine can take longer than waitAdmin's 10 s to start a few nodes.
    await Promise.all(nodes.map((n) => waitFor(`admin API of ${n.name}`, async () => ((await admin(n, "GET", "/admin/identity")).status > 0 ? true : undefined), 60_000, 100)));
    const seed = nodes[0]!;
    await admin(seed, "POST", "/admin/init", { replica_name: "replica-1" });
    for (const [i, n] of nodes.slice(1).entries()) await admin(n, "POST", "/admin/join", { seed: seed.address, replica_name: `replica-${i + 2}` });
    if (nodes.length > 1) {
      await new Promise((r) => setTimeout(r, Number(FAST.FAUNA_SIM_SETTLE_MS ?? 0) + 200));
      const get = await admin(seed, "GET", "/admin/replication");
      const all = (get.json as ReplicationGetResponse).resource.replicas.map((r) => ({ name: r.name, type: "data+log" }));
      await admin(seed, "PUT", "/admin/replication", { replicas: all }, { "if-match": String(get.headers.etag) });
    }
    for (const n of nodes)
      await waitFor(`write ping on ${n.name}`, async () => ((await http(n.address, 8443, "GET", "/ping?scope=all")).status === 200 ? true : undefined), 60_000);
    return { nodes, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

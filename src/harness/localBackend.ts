// The local tier as the harness's backend: its pod runner turns pod annotations into the faults (an nftables set
// for a partition, a FAKETIME_TIMESTAMP_FILE for a skew; src/localtier/runner/), and the harness runs inside the
// tier's network namespace, so Service and pod addresses are reachable as they are. With TLS on, the load verifies
// the client Service's name and the admin calls present a client certificate (clusterTls.ts).
import { createHttpFaunaAdmin } from "../fauna/client.ts";
import { CLOCK_OFFSET_ANNOTATION } from "../localtier/runner/clockOffset.ts";
import { canIsolate, ISOLATED, NETWORK_ANNOTATION } from "../localtier/runner/networkIsolation.ts";
import type { Backend } from "./backend.ts";
import { adminTlsCache, annotatePod, clientServiceEndpoint, nodeClockMs } from "./kube.ts";

export function localBackend(): Backend {
  const adminTls = adminTlsCache();
  return {
    name: "local",
    queryEndpoint: clientServiceEndpoint,
    // A node is asked at its pod DNS name, which its certificate carries: with TLS, verified against it.
    nodeClock: async (t, rootKey, pod) => {
      const tls = await adminTls.get(t);
      return nodeClockMs(t, createHttpFaunaAdmin({ rootKey, timeoutMs: { default: 3_000 }, retry: { attempts: 1 }, ...(tls ? { tls } : {}) }), pod);
    },
    isolate: (t, pod) => annotatePod(t, pod, NETWORK_ANNOTATION, ISOLATED),
    reconnect: (t, pod) => annotatePod(t, pod, NETWORK_ANNOTATION, null),
    setClockOffset: (t, pod, offset) => annotatePod(t, pod, CLOCK_OFFSET_ANNOTATION, offset),
    cannotIsolate: async () => ((await canIsolate()) ? undefined : "the local tier cannot cut a pod off: install nftables (`nft`)"),
    close: async () => {},
  };
}

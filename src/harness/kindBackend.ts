// A kind cluster as the harness's backend (hack/kind/up.sh). The harness runs on the Docker host, outside the
// cluster's networks, so:
//   - the load reaches the client Service's pods through a NodePort Service on a node's address (the Docker network
//     is routed from the host);
//   - a node's clock is read from its admin port through a relay inside the kind node that hosts the pod (`docker
//     exec -d` of socat, listening on that node's address, for RELAY_S seconds). The FaunaCluster's NetworkPolicy
//     admits 8444 only from the operator's pods, and NetworkPolicy always lets a pod's own node in (kubelet's probes
//     come from there); a NodePort would not do, since a node port on another node reaches the pod as that node's
//     address, which the enforcer refuses (hack/kind/kube-router.yaml). The admin API listens on the pod IP only, so
//     `kubectl port-forward`, which dials the pod's loopback, cannot reach it either;
//   - a partition is packet filtering inside the kind node that hosts the pod (`docker exec` into the node's
//     container, nftables in the forward hook, the way Jepsen cuts a node off): every packet to or from the pod's IP
//     that the node routes is dropped — other pods, other nodes, clients and the operator; kubelet on the same node
//     still reaches it, as on a real host cut off from its network;
//   - with TLS on (clusterTls.ts), the load verifies the client Service's name over the NodePort, and the clock
//     reads present a client certificate issued from the cluster's CA;
//   - a clock skew is the pod annotation the simulator reads from its downward API file (src/sim/clock.ts).
import { execa } from "execa";
import { PORTS } from "../api/funcs.ts";
import { createHttpFaunaAdmin } from "../fauna/client.ts";
import { elementScript, tableScript } from "../localtier/runner/networkIsolation.ts";
import { CLOCK_OFFSET_ANNOTATION } from "../sim/clock.ts";
import type { Backend } from "./backend.ts";
import { kubectlObjects, queryEndpoint } from "./clusterTls.ts";
import { adminTlsCache, annotatePod, getJson, nodeClockMs, readCluster, type HarnessTarget } from "./kube.ts";

export const NFT_TABLE = "fauna_harness";

export const partitionTableScript = (): string => tableScript(NFT_TABLE, "forward");
export const partitionElementScript = (ip: string, isolated: boolean): string => elementScript(ip, isolated, NFT_TABLE);

export interface KindAccess {
  /** Runs `docker` (default: the docker CLI on PATH). */
  docker?: (args: string[], input?: string) => Promise<void>;
}

const dockerCli = async (args: string[], input?: string) => {
  const r = await execa("docker", args, { input, reject: false });
  if (r.exitCode !== 0) throw new Error(`docker ${args.slice(0, 3).join(" ")} failed: ${r.stderr}`);
};

interface PodPlace {
  ip: string;
  node: string;
}

/** How long a clock relay lives in its node (it ends itself: nothing to clean up if the harness dies). */
export const RELAY_S = 60;
/** Relay ports: below the NodePort range (30000-32767), whose ports kube-proxy intercepts on every node. */
const RELAY_PORTS = { from: 20_000, count: 10_000 };

/** `docker exec -d` of a relay in `node` from its `address`:`port` to the admin port of the pod at `ip`. */
export function relayCommand(node: string, address: string, port: number, ip: string): string[] {
  return ["exec", "-d", node, "timeout", String(RELAY_S), "socat", `TCP-LISTEN:${port},bind=${address},reuseaddr,fork`, `TCP:${ip}:${PORTS.admin}`];
}

interface Relay {
  address: string;
  port: number;
  ip: string;
  /** When to stop using it (a margin before it ends itself). */
  until: number;
}

async function placeOf(t: HarnessTarget, pod: string): Promise<PodPlace> {
  const p = await getJson<{ spec?: { nodeName?: string }; status?: { podIP?: string } }>(t.kubectl, ["-n", t.namespace, "get", "pod", pod]);
  const ip = p.status?.podIP;
  const node = p.spec?.nodeName;
  if (!ip || !node) throw new Error(`pod ${t.namespace}/${pod} has no IP or node yet`);
  return { ip, node };
}

/** A NodePort Service in front of `port` of the pods `selector` picks; resolves to the node port. */
async function nodePortService(t: HarnessTarget, name: string, selector: Record<string, string> | undefined, port: number): Promise<number> {
  const service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: t.namespace, labels: { "app.kubernetes.io/part-of": "fauna-operator-harness" } },
    spec: { type: "NodePort", selector, ports: [{ name: "port", port, targetPort: port, protocol: "TCP" }] },
  };
  await t.kubectl(["apply", "-f", "-"], JSON.stringify(service));
  const nodePort = Number(await t.kubectl(["-n", t.namespace, "get", "service", name, "-o", "jsonpath={.spec.ports[0].nodePort}"]));
  if (!nodePort) throw new Error(`NodePort Service ${t.namespace}/${name} has no node port`);
  return nodePort;
}

/** A node's address on the Docker network. */
async function nodeAddress(t: HarnessTarget, node: string): Promise<string> {
  const address = (await t.kubectl(["get", "node", node, "-o", "jsonpath={.status.addresses[?(@.type==\"InternalIP\")].address}"])).trim();
  if (!address) throw new Error(`node ${node} has no InternalIP`);
  return address;
}

/** The control plane's address on the Docker network, where every node port answers. */
async function controlPlaneAddress(t: HarnessTarget): Promise<string> {
  const address = (await t.kubectl(["get", "nodes", "-l", "node-role.kubernetes.io/control-plane", "-o", "jsonpath={.items[0].status.addresses[?(@.type==\"InternalIP\")].address}"])).trim();
  if (!address) throw new Error("the control plane node has no InternalIP");
  return address;
}

export function kindBackend(access: KindAccess = {}): Backend {
  const docker = access.docker ?? dockerCli;
  const relays = new Map<string, Relay>();
  const tablesReady = new Map<string, Promise<void>>();
  const ensureTable = (node: string) => {
    let ready = tablesReady.get(node);
    if (!ready) {
      ready = docker(["exec", "-i", node, "nft", "-f", "-"], partitionTableScript());
      tablesReady.set(node, ready);
      ready.catch(() => tablesReady.delete(node));
    }
    return ready;
  };
  const isolated = new Map<string, PodPlace>();
  const adminTls = adminTlsCache();
  return {
    name: "kind",
    async queryEndpoint(t) {
      // The client Service is named after the cluster (clientServiceName); its selector admits ready nodes only.
      const client = await getJson<{ spec?: { selector?: Record<string, string> } }>(t.kubectl, ["-n", t.namespace, "get", "service", t.cluster]);
      const port = await nodePortService(t, `${t.cluster}-harness-api`, client.spec?.selector, PORTS.api);
      // With TLS: verified against the client Service's name (tlsServerName), which the nodes' certificate carries.
      return queryEndpoint(kubectlObjects(t.kubectl), await readCluster(t), { domain: await controlPlaneAddress(t), port });
    },
    async nodeClock(t, rootKey, pod) {
      // Through a relay in the pod's own node (see the top of this file); a new one when it is due to end, the pod
      // moved, or the last read through it failed (a relay not yet listening, or its port taken).
      const key = `${t.namespace}/${pod}`;
      let relay = relays.get(key);
      const place = await placeOf(t, pod).catch(() => undefined);
      if (!place) return null;
      if (!relay || relay.ip !== place.ip || Date.now() > relay.until) {
        const address = await nodeAddress(t, place.node).catch(() => undefined);
        if (!address) return null;
        const port = RELAY_PORTS.from + Math.floor(Math.random() * RELAY_PORTS.count);
        const started = Date.now();
        if (!(await docker(relayCommand(place.node, address, port, place.ip)).then(() => true, () => false))) return null;
        relay = { address, port, ip: place.ip, until: started + (RELAY_S - 15) * 1000 };
        relays.set(key, relay);
      }
      // With TLS (mutual on 8444): the operator's admin client takes no server name to verify a node reached by a
      // node's address, so the chain is verified against the cluster's own CA and the host name check is skipped.
      const tls = await adminTls.get(t);
      const admin = createHttpFaunaAdmin({ rootKey, adminPort: relay.port, timeoutMs: { default: 3_000 }, retry: { attempts: 1 }, ...(tls ? { tls: { ...tls, verifyHostname: false } } : {}) });
      const at = await nodeClockMs(t, admin, pod, relay.address);
      if (at === null) relays.delete(key);
      return at;
    },
    async isolate(t, pod) {
      const place = await placeOf(t, pod);
      await ensureTable(place.node);
      await docker(["exec", "-i", place.node, "nft", "-f", "-"], partitionElementScript(place.ip, true));
      isolated.set(`${t.namespace}/${pod}`, place);
    },
    async reconnect(t, pod) {
      const key = `${t.namespace}/${pod}`;
      const place = isolated.get(key) ?? (await placeOf(t, pod));
      await docker(["exec", "-i", place.node, "nft", "-f", "-"], partitionElementScript(place.ip, false)).catch(() => undefined);
      isolated.delete(key);
    },
    setClockOffset: (t, pod, offset) => annotatePod(t, pod, CLOCK_OFFSET_ANNOTATION, offset),
    async cannotIsolate() {
      const r = await execa("docker", ["version", "--format", "{{.Server.Version}}"], { reject: false });
      return r.exitCode === 0 ? undefined : "the Docker engine does not answer: the kind nodes cannot be reached";
    },
    async close() {},
  };
}

// The tier's stand-in for Chaos Mesh's NetworkChaos (partition): the pod annotation
// `local.fauna-operator.io/network: isolated` cuts the pod's IP off from everything else in the tier's network
// namespace — peers, clients through the Services, the operator, the runner's own probes — until it is removed.
// Every pod shares that one namespace, so the cut is an nftables set of isolated addresses whose packets are dropped
// on output, either way; it needs the `nft` binary (package nftables) and that processes send from their pod IP
// (the simulator binds its outgoing connections to its listen address, as a pod's traffic leaves from its IP).
import { execFile } from "node:child_process";
import type { V1Pod } from "@kubernetes/client-node";

export const NETWORK_ANNOTATION = "local.fauna-operator.io/network";
export const ISOLATED = "isolated";
export const NFT_TABLE = "fauna_localtier";

export function isolationWanted(pod: V1Pod): boolean {
  return pod.metadata?.annotations?.[NETWORK_ANNOTATION]?.trim() === ISOLATED && !pod.metadata?.deletionTimestamp;
}

/**
 * The table, made afresh (its rules once, its set empty): safe to run again. The tier filters on output (its pods
 * share one network namespace); a host that routes its pods' traffic (a kind node) filters on forward.
 */
export function tableScript(table = NFT_TABLE, hook: "output" | "forward" = "output"): string {
  return [
    `add table inet ${table}`,
    `flush table inet ${table}`,
    `table inet ${table} {`,
    "  set isolated { type ipv4_addr; }",
    `  chain ${hook} {`,
    `    type filter hook ${hook} priority 0; policy accept;`,
    "    ip saddr @isolated drop",
    "    ip daddr @isolated drop",
    "  }",
    "}",
    "",
  ].join("\n");
}

export function elementScript(ip: string, isolated: boolean, table = NFT_TABLE): string {
  return `${isolated ? "add" : "delete"} element inet ${table} isolated { ${ip} }\n`;
}

/** Runs an nft script (stdin); rejects with nft's message. */
export type NftRunner = (script: string) => Promise<void>;

export const runNft: NftRunner = (script) =>
  new Promise((resolve, reject) => {
    const child = execFile("nft", ["-f", "-"], (err, _out, stderr) => (err ? reject(new Error(`nft: ${stderr.trim() || err.message}`)) : resolve()));
    child.stdin?.end(script);
  });

/** Which pod IPs are cut off, shared by every pod worker; calls to nft are serialized. */
export class NetworkIsolation {
  private readonly nft: NftRunner;
  private readonly log: (m: string) => void;
  private readonly isolated = new Map<string, string>();
  private ready: Promise<boolean> | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(nft: NftRunner, log: (m: string) => void) {
    this.nft = nft;
    this.log = log;
  }

  /** Cuts `pod`'s IP off (or restores it); a pod whose IP changed has its old one restored. */
  set(pod: string, ip: string | undefined, isolated: boolean): Promise<void> {
    this.queue = this.queue.then(() => this.apply(pod, ip, isolated));
    return this.queue;
  }

  private async apply(pod: string, ip: string | undefined, isolated: boolean): Promise<void> {
    const current = this.isolated.get(pod);
    const wanted = isolated ? ip : undefined;
    if (current === wanted) return;
    if (!(await this.table())) return;
    try {
      if (current !== undefined) await this.nft(elementScript(current, false));
      this.isolated.delete(pod);
      if (wanted !== undefined) {
        await this.nft(elementScript(wanted, true));
        this.isolated.set(pod, wanted);
      }
      this.log(`${pod}: network ${wanted === undefined ? "restored" : `isolated (${wanted})`}`);
    } catch (err) {
      this.log(`${pod}: network isolation failed: ${String(err)}`);
    }
  }

  private table(): Promise<boolean> {
    this.ready ??= this.nft(tableScript()).then(
      () => true,
      (err: unknown) => {
        this.log(`network isolation unavailable (install nftables): ${String(err)}`);
        return false;
      },
    );
    return this.ready;
  }
}

/** Whether this network namespace can cut pods off (nft installed and allowed); false says why the partition cannot run. */
export async function canIsolate(nft: NftRunner = runNft): Promise<boolean> {
  return nft("list tables\n").then(() => true, () => false);
}

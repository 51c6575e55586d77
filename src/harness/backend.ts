// Where the harness runs: what the scenarios need besides kubectl, which differs between the local tier and kind.
// One scenario definition (scenarios.ts) runs on both; only these operations are the backend's.
import type { Endpoint } from "../load/load.ts";
import type { HarnessTarget } from "./kube.ts";

export type BackendName = "local" | "kind";
export const BACKENDS: readonly BackendName[] = ["local", "kind"];

export interface Backend {
  readonly name: BackendName;
  /** The FQL API of the cluster's client Service, as the harness's load reaches it. */
  queryEndpoint(t: HarnessTarget): Promise<Endpoint>;
  /** A pod's FaunaDB clock as the node reports it (its own persisted_timestamp), epoch ms; null when unreadable. */
  nodeClock(t: HarnessTarget, rootKey: string, pod: string): Promise<number | null>;
  /** Cuts the pod off from every other pod, node, client and the operator; `reconnect` lifts it. */
  isolate(t: HarnessTarget, pod: string): Promise<void>;
  reconnect(t: HarnessTarget, pod: string): Promise<void>;
  /** Sets (`+5s`, libfaketime's relative form) or clears (null) the clock offset of the pod's node. */
  setClockOffset(t: HarnessTarget, pod: string, offset: string | null): Promise<void>;
  /** Why `isolate` cannot work here, or undefined when it can. */
  cannotIsolate(): Promise<string | undefined>;
  /** Releases what the backend holds outside the harness's namespace (nothing yet: its Services go with it). */
  close(): Promise<void>;
}

export function parseBackend(value: string): BackendName {
  const name = BACKENDS.find((b) => b === value);
  if (!name) throw new Error(`unknown backend ${value}; known: ${BACKENDS.join(", ")}`);
  return name;
}

// The pod-status fields the tier owns as kubelet: Ready/ContainersReady conditions and containerStatuses.
// Written with a strategic merge patch so kwok's fields (IPs, phase, other conditions) stay as they are.
import type { V1ContainerState, V1Pod } from "@kubernetes/client-node";

export interface ContainerView {
  name: string;
  image: string;
  ready: boolean;
  started: boolean;
  restartCount: number;
  state: V1ContainerState;
  lastState?: V1ContainerState;
}

export function statusPatch(pod: V1Pod, containers: ContainerView[], now: Date): object {
  const ready = containers.length > 0 && containers.every((c) => c.ready);
  const current = (type: string) => pod.status?.conditions?.find((c) => c.type === type);
  const cond = (type: string) => {
    const status = ready ? "True" : "False";
    const prev = current(type);
    return {
      type,
      status,
      reason: ready ? undefined : "ContainersNotReady",
      lastTransitionTime: prev?.status === status ? prev.lastTransitionTime : now.toISOString(),
    };
  };
  return {
    status: {
      conditions: [cond("Ready"), cond("ContainersReady")],
      containerStatuses: containers.map((c) => ({
        name: c.name, image: c.image, imageID: "", ready: c.ready, started: c.started,
        restartCount: c.restartCount, state: c.state, lastState: c.lastState ?? {},
      })),
    },
  };
}

export function isPodReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

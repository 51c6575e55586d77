// Objects every tier has: fake Nodes (kwok manages them) with pod CIDRs in 10.244.0.0/16 and zones, the default
// local StorageClass served by the tier's provisioner, and kwok's Logs CRD.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { k8s, ignoreStatus } from "./kube.ts";
import { binDir, NODE_COUNT } from "./paths.ts";
import { waitFor } from "./processes.ts";

export const STORAGE_CLASS = "local";
export const PROVISIONER = "local.fauna-operator.io/hostpath";

export function nodeName(i: number): string {
  return `kwok-node-${i}`;
}

export async function bootstrapCluster(kc: k8s.KubeConfig): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const storage = kc.makeApiClient(k8s.StorageV1Api);
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);

  const crd = parse(await readFile(join(binDir(), "kwok-crds", "logs.yaml"), "utf8")) as k8s.V1CustomResourceDefinition;
  await ignoreStatus(ext.createCustomResourceDefinition({ body: crd }), 409);

  for (let i = 0; i < NODE_COUNT; i++) {
    const name = nodeName(i);
    await ignoreStatus(core.createNode({
      body: {
        metadata: {
          name,
          labels: {
            "kubernetes.io/hostname": name,
            "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            "topology.kubernetes.io/zone": `zone-${String.fromCharCode(97 + i)}`,
            type: "kwok",
          },
          annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
        },
        spec: { podCIDR: `10.244.${i + 1}.0/24`, podCIDRs: [`10.244.${i + 1}.0/24`] },
      },
    }), 409);
  }

  await ignoreStatus(storage.createStorageClass({
    body: {
      metadata: { name: STORAGE_CLASS, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
      provisioner: PROVISIONER,
      reclaimPolicy: "Delete",
      volumeBindingMode: "Immediate",
      allowVolumeExpansion: false,
    },
  }), 409);

  await waitFor("nodes Ready (kwok)", async () => {
    const nodes = await core.listNode();
    return nodes.items.filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).length >= NODE_COUNT;
  }, 30_000, "see logs/kwok.log");
  await waitFor("the default ServiceAccount (kube-controller-manager)", async () => {
    return (await ignoreStatus(core.readNamespacedServiceAccount({ name: "default", namespace: "default" }), 404)) !== undefined;
  }, 30_000, "see logs/kube-controller-manager.log");
}

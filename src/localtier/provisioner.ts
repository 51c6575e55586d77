// Dynamic provisioner for the tier's default StorageClass: one hostPath PV per PVC under the tier's work dir, bound
// by kube-controller-manager's PV binder through claimRef. Released PVs (reclaimPolicy Delete) are removed with
// their directory, as a CSI driver would.
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { V1PersistentVolume, V1PersistentVolumeClaim } from "@kubernetes/client-node";
import { k8s, ignoreStatus, watchAll, serialLoop } from "./kube.ts";
import { PROVISIONER, STORAGE_CLASS } from "./bootstrap.ts";

export function pvNameFor(pvc: V1PersistentVolumeClaim): string {
  return `pvc-${pvc.metadata?.uid}`;
}

export function desiredPv(pvc: V1PersistentVolumeClaim, volumesDir: string): V1PersistentVolume {
  const ns = pvc.metadata?.namespace ?? "default";
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: {
      name: pvNameFor(pvc),
      annotations: { "pv.kubernetes.io/provisioned-by": PROVISIONER },
      labels: { "local.fauna-operator.io/namespace": ns },
    },
    spec: {
      capacity: { storage: pvc.spec?.resources?.requests?.storage ?? "1Gi" },
      accessModes: pvc.spec?.accessModes ?? ["ReadWriteOnce"],
      persistentVolumeReclaimPolicy: "Delete",
      storageClassName: pvc.spec?.storageClassName ?? STORAGE_CLASS,
      volumeMode: pvc.spec?.volumeMode ?? "Filesystem",
      hostPath: { path: join(volumesDir, `${ns}_${pvc.metadata?.name}_${pvc.metadata?.uid}`), type: "DirectoryOrCreate" },
      claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: ns, name: pvc.metadata?.name, uid: pvc.metadata?.uid },
    },
  };
}

export function startProvisioner(kc: k8s.KubeConfig, volumesDir: string, log: (m: string) => void) {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const pvcs = watchAll<V1PersistentVolumeClaim>(kc, "/api/v1/persistentvolumeclaims",
    () => core.listPersistentVolumeClaimForAllNamespaces(), () => loop.kick(), log);
  const pvs = watchAll<V1PersistentVolume>(kc, "/api/v1/persistentvolumes", () => core.listPersistentVolume(), () => loop.kick(), log);

  const ours = (className: string | undefined) => (className ?? STORAGE_CLASS) === STORAGE_CLASS;
  const sync = async () => {
    const existing = new Set(pvs.cache.list().map((pv) => pv.metadata?.name));
    for (const pvc of pvcs.cache.list()) {
      if (pvc.status?.phase !== "Pending" || pvc.spec?.volumeName || !ours(pvc.spec?.storageClassName)) continue;
      if (pvc.metadata?.deletionTimestamp || existing.has(pvNameFor(pvc))) continue;
      const pv = desiredPv(pvc, volumesDir);
      await mkdir(pv.spec?.hostPath?.path ?? "", { recursive: true });
      await ignoreStatus(core.createPersistentVolume({ body: pv }), 409);
      log(`provisioned ${pv.metadata?.name} for ${pvc.metadata?.namespace}/${pvc.metadata?.name}`);
    }
    for (const pv of pvs.cache.list()) {
      const released = pv.status?.phase === "Released" || pv.status?.phase === "Failed";
      if (!released || pv.metadata?.annotations?.["pv.kubernetes.io/provisioned-by"] !== PROVISIONER) continue;
      if (pv.spec?.persistentVolumeReclaimPolicy !== "Delete") continue;
      const path = pv.spec?.hostPath?.path;
      if (path?.startsWith(volumesDir)) await rm(path, { recursive: true, force: true });
      await ignoreStatus(core.deletePersistentVolume({ name: pv.metadata?.name ?? "" }), 404);
      log(`deleted released ${pv.metadata?.name}`);
    }
  };
  const loop = serialLoop("provisioner", sync, log, 5000);
  return {
    ready: Promise.all([pvcs.ready, pvs.ready]).then(() => undefined),
    async stop() {
      loop.close();
      await Promise.all([pvcs.stop(), pvs.stop()]);
    },
  };
}

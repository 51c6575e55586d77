// LeaseStore on a coordination.k8s.io/v1 Lease, with the resourceVersion as the optimistic-lock version.
import type { KubeClient } from "../kube/client.ts";
import { Resources } from "../kube/resource.ts";
import type { LeaseRecord, LeaseStore, StoredLease } from "./leader.ts";

type LeaseWire = {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string> };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
};

export type KubeLeaseStoreOptions = { client: KubeClient; namespace: string; name: string };

export function kubeLeaseStore(o: KubeLeaseStoreOptions): LeaseStore {
  const ref = { namespace: o.namespace, name: o.name };
  const toStored = (l: LeaseWire): StoredLease => ({
    version: l.metadata?.resourceVersion ?? "",
    record: {
      holderIdentity: l.spec?.holderIdentity ?? "",
      leaseDurationSeconds: l.spec?.leaseDurationSeconds ?? 0,
      acquireTime: l.spec?.acquireTime ?? "",
      renewTime: l.spec?.renewTime ?? "",
      leaseTransitions: l.spec?.leaseTransitions ?? 0,
    },
  });
  const body = (record: LeaseRecord, resourceVersion?: string): LeaseWire => ({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { ...ref, ...(resourceVersion ? { resourceVersion } : {}) },
    spec: {
      holderIdentity: record.holderIdentity,
      leaseDurationSeconds: record.leaseDurationSeconds,
      ...(record.acquireTime ? { acquireTime: record.acquireTime } : {}),
      ...(record.renewTime ? { renewTime: record.renewTime } : {}),
      leaseTransitions: record.leaseTransitions,
    },
  });
  return {
    description: `lease ${o.namespace}/${o.name}`,
    async get(signal) {
      const lease = await o.client.find<LeaseWire>(Resources.leases, ref, { signal });
      return lease && toStored(lease);
    },
    async create(record, signal) {
      return toStored(await o.client.create<LeaseWire>(Resources.leases, body(record), { signal }));
    },
    async update(record, version, signal) {
      return toStored(await o.client.replace<LeaseWire>(Resources.leases, body(record, version), { signal }));
    },
  };
}

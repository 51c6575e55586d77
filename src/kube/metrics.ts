// Every API call counted by verb/resource/code, plus a separate count of object writes so a test can prove the
// operator is quiet after convergence (Lease renewals are writes too, so they are left out of that one).
import { Counter, type Registry } from "prom-client";

export const WRITE_VERBS = new Set(["create", "update", "patch", "apply", "delete"]);
const NOT_COUNTED_AS_OBJECT_WRITES = new Set(["leases.coordination.k8s.io", "events"]);

export type KubeMetrics = {
  observe(verb: string, resource: string, code: number | string): void;
};

export function kubeMetrics(registry: Registry): KubeMetrics {
  const requests = new Counter({
    name: "kube_api_requests_total",
    help: "Kubernetes API calls by verb, resource and HTTP code (0 = no answer)",
    labelNames: ["verb", "resource", "code"] as const,
    registers: [registry],
  });
  const writes = new Counter({
    name: "kube_api_object_writes_total",
    help: "Kubernetes API write calls (create/update/patch/apply/delete) excluding Leases and Events",
    labelNames: ["verb", "resource"] as const,
    registers: [registry],
  });
  return {
    observe(verb, resource, code) {
      requests.inc({ verb, resource, code: String(code) });
      if (WRITE_VERBS.has(verb) && !NOT_COUNTED_AS_OBJECT_WRITES.has(resource)) writes.inc({ verb, resource });
    },
  };
}

export const noKubeMetrics: KubeMetrics = { observe() {} };

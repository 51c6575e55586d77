// The tier's kubeconfig: one file that works on the host (through the forwarded port) and inside the namespace,
// because the apiserver listens on the same 127.0.0.1 port in both places.
import { readFileSync } from "node:fs";
import { stringify } from "yaml";

export function kubeconfigYaml(server: string, caCertFile: string, token: string, user = "admin"): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "localtier", cluster: { server, "certificate-authority-data": Buffer.from(readFileSync(caCertFile)).toString("base64") } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: "localtier", context: { cluster: "localtier", user, namespace: "default" } }],
    "current-context": "localtier",
  });
}

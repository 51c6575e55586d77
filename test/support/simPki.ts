// A scratch directory with two CAs for simulator TLS tests: the cluster's CA and a stranger's, and a helper writing
// PEM files (key files, trust files) into the directory, which the test removes when done.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { issueCa } from "../../src/faunacluster/tls/pki.ts";

export function simPki(prefix: string) {
  const base = mkdtempSync(join(tmpdir(), prefix));
  const now = new Date();
  const ca = issueCa({ commonName: "cluster-ca", now, days: 1 });
  const otherCa = issueCa({ commonName: "other-ca", now, days: 1 });
  const file = (name: string, text: string) => {
    const p = join(base, name);
    writeFileSync(p, text);
    return p;
  };
  return { base, now, ca, otherCa, file };
}

// A throwaway PKI for one tier: a CA, the apiserver serving cert, the ServiceAccount signing key and an admin token.
// openssl does the X.509 work; node:crypto has no certificate builder.
import { execa } from "execa";
import { mkdir, writeFile, access } from "node:fs/promises";
import { join } from "node:path";
import { randomBytes } from "node:crypto";

export interface Pki {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  saKey: string;
  saPub: string;
  tokensCsv: string;
  adminToken: string;
}

export async function ensurePki(dir: string): Promise<Pki> {
  const p = (f: string) => join(dir, f);
  const pki: Pki = {
    caCert: p("ca.crt"),
    caKey: p("ca.key"),
    serverCert: p("apiserver.crt"),
    serverKey: p("apiserver.key"),
    saKey: p("sa.key"),
    saPub: p("sa.pub"),
    tokensCsv: p("tokens.csv"),
    adminToken: "",
  };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const exists = await access(pki.tokensCsv).then(() => true, () => false);
  if (!exists) {
    const openssl = (args: string[]) => execa("openssl", args, { cwd: dir });
    await openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", pki.caKey, "-out", pki.caCert,
      "-days", "3650", "-subj", "/CN=fauna-operator-localtier-ca"]);
    await writeFile(p("server.ext"), [
      "basicConstraints=CA:FALSE",
      "keyUsage=digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth",
      "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default," +
        "DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local",
    ].join("\n"));
    await openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", pki.serverKey, "-out", p("server.csr"),
      "-subj", "/CN=kube-apiserver"]);
    await openssl(["x509", "-req", "-in", p("server.csr"), "-CA", pki.caCert, "-CAkey", pki.caKey, "-CAcreateserial",
      "-out", pki.serverCert, "-days", "3650", "-extfile", p("server.ext")]);
    await openssl(["genrsa", "-out", pki.saKey, "2048"]);
    await openssl(["rsa", "-in", pki.saKey, "-pubout", "-out", pki.saPub]);
    const token = randomBytes(24).toString("hex");
    await writeFile(pki.tokensCsv, `${token},admin,admin,system:masters\n`, { mode: 0o600 });
  }
  const { readFile } = await import("node:fs/promises");
  pki.adminToken = (await readFile(pki.tokensCsv, "utf8")).split(",")[0] ?? "";
  return pki;
}

// `fauna-operator sim-admin <status|movement-status|show-identity> [-H host[:port]] [--json]`: a faunadb-admin-style
// client for a node's admin API (simulated or real). The key comes from $ADMIN_KEY or $FAUNADB_ROOT_KEY, never
// from the command line (FACTS §1.1, §1.2).
import { request } from "node:http";
import { formatStatusTable } from "../sim/statusTable.ts";
import type { AdminStatusResponse, MovementStatusResponse, IdentityResponse } from "../fauna/wire.ts";

function get(host: string, port: number, path: string, key: string): Promise<{ status: number; text: string }> {
  return new Promise((ok, fail) => {
    const req = request({ host, port, path, method: "GET", headers: { authorization: `Basic ${Buffer.from(`${key}:`).toString("base64")}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => ok({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", fail);
    req.end();
  });
}

export async function main(argv: string[]): Promise<number> {
  const [command] = argv.filter((a) => !a.startsWith("-"));
  const h = argv.indexOf("-H");
  const target = (h >= 0 ? argv[h + 1] : process.env.FAUNADB_ADMIN_HOST) ?? "127.0.0.1:8444";
  const [hostPart, portPart] = target.split(":");
  const host = hostPart || "127.0.0.1";
  const port = portPart ? Number(portPart) : 8444;
  const key = process.env.ADMIN_KEY ?? process.env.FAUNADB_ROOT_KEY;
  if (!key) {
    process.stderr.write("Set ADMIN_KEY (or FAUNADB_ROOT_KEY) to the root key.\n");
    return 1;
  }
  const paths: Record<string, string> = { status: "/admin/status", "movement-status": "/admin/movement_status", "show-identity": "/admin/identity" };
  const path = command ? paths[command] : undefined;
  if (!path) {
    process.stderr.write(`usage: fauna-operator sim-admin <${Object.keys(paths).join("|")}> [-H host[:port]] [--json]\nInvalid command.\n`);
    return 1;
  }
  let r: { status: number; text: string };
  try {
    r = await get(host, port, path, key);
  } catch {
    process.stdout.write(`ERROR: Could not connect to FaunaDB at ${host}\n`);
    return 1;
  }
  if (r.status !== 200) {
    process.stderr.write(`Failed: ${r.text}\n`);
    return 1;
  }
  const body: unknown = JSON.parse(r.text);
  if (argv.includes("--json") || argv.includes("-j")) process.stdout.write(JSON.stringify(body, null, 2) + "\n");
  else if (command === "status") process.stdout.write(formatStatusTable(body as AdminStatusResponse));
  else if (command === "movement-status") process.stdout.write((body as MovementStatusResponse).resource.movement_status + "\n");
  else process.stdout.write((body as IdentityResponse).identity + "\n");
  return 0;
}

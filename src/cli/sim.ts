// `fauna-operator sim --config <faunadb.yml>`: one simulated FaunaDB node (src/sim). Started purely from its
// faunadb.yml (or $FAUNADB_CONFIG) and environment; logs to stderr; exits cleanly on SIGTERM.
// Environment: FAKETIME (relative offsets), FAKETIME_TIMESTAMP_FILE and FAKETIME_CACHE_DURATION (an offset changed
// while the node runs; src/sim/clock.ts), FAUNA_SIM_FAULT_DROP_ACKED_WRITES=1, FAUNA_SIM_FAULT_NON_ATOMIC=1 (src/sim/README.md), FAUNA_SIM_* tuning (src/sim/node.ts).
import { ConfigError, loadConfig } from "../sim/config.ts";
import { fakeTimeClock } from "../sim/clock.ts";
import { SimNode, tuningFromEnv } from "../sim/node.ts";
import { adminServer } from "../sim/admin.ts";

export async function main(argv: string[]): Promise<number> {
  const i = argv.findIndex((a) => a === "--config" || a === "-c");
  const file = i >= 0 ? argv[i + 1] : process.env.FAUNADB_CONFIG;
  if (!file) {
    process.stderr.write("usage: fauna-operator sim --config <faunadb.yml>  (or set FAUNADB_CONFIG)\n");
    return 2;
  }
  let node: SimNode;
  try {
    const config = loadConfig(file);
    if (config.rootKeyHashesOnly)
      throw new ConfigError("The simulator cannot check auth_root_key_hash(es) (no BCrypt); set auth_root_key in faunadb.yml.");
    const clock = fakeTimeClock(process.env, { log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`) });
    node = new SimNode(config, clock, tuningFromEnv(process.env), process.env);
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  const admin = adminServer(node);
  try {
    await new Promise<void>((ok, fail) => {
      admin.once("error", fail);
      admin.listen(node.config.adminPort, node.config.adminAddress, () => ok());
    });
    await node.startPeer();
  } catch (e) {
    process.stderr.write(`Unable to bind to ${node.config.adminAddress}:${node.config.adminPort} or the peer port: ${String(e)}. Verify network_admin_http_address and network_listen_address.\n`);
    return 1;
  }
  let api: import("node:net").Server | undefined;
  let opening = false;
  // FACTS §5: 8443 listens only once the node is a member and the cluster has a whole data replica and a log.
  const maybeOpenApi = () => {
    if (api || opening || !node.canServe()) return;
    opening = true;
    void import("../sim/api.ts").then(async ({ startApiServer }) => {
      api = await startApiServer(node);
      process.stdout.write("FaunaDB is ready.\n");
    }).catch((e: unknown) => {
      process.stderr.write(`Unable to bind the API port: ${String(e)}\n`);
    }).finally(() => (opening = false));
  };
  node.onMember = maybeOpenApi;
  const poll = setInterval(maybeOpenApi, 200);
  maybeOpenApi();
  process.stdout.write("FaunaDB is ready.\n");
  if (!node.isMember())
    setTimeout(() => {
      if (!node.isMember()) node.log("This node is not part of the cluster yet. You should use faunadb-admin to have it either join an existing cluster or initialize a new one.");
    }, 2000).unref();
  return new Promise<number>((done) => {
    const stop = (signal: string) => {
      node.log(`Received ${signal}, shutting down.`);
      clearInterval(poll);
      void node.stop().then(() => {
        admin.close();
        admin.closeAllConnections();
        api?.close();
        done(0);
        setTimeout(() => process.exit(0), 200).unref();
      });
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
}

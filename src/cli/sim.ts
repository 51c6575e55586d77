// `fauna-operator sim --config <faunadb.yml>`: one simulated FaunaDB node (src/sim). Started purely from its
// faunadb.yml (or $FAUNADB_CONFIG) and environment; logs to stderr; exits cleanly on SIGTERM.
// Environment: FAKETIME (relative offsets), FAKETIME_TIMESTAMP_FILE and FAKETIME_CACHE_DURATION (an offset changed
// while the node runs; src/sim/clock.ts), the FAUNA_SIM_* settings (src/sim/settings.ts, src/sim/README.md).
import { loadConfig } from "../sim/config.ts";
import { PATHS } from "../api/faunaConfig.ts";
import { fakeTimeClock } from "../sim/clock.ts";
import { SimNode } from "../sim/node.ts";
import { tuningFromEnv } from "../sim/settings.ts";
import { adminServer } from "../sim/admin.ts";
import { serverTls, type ServerTls } from "../sim/tls.ts";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs one node until SIGTERM/SIGINT. The order is FaunaApp.start's: the storage and cluster service start first
 * (FAUNA_SIM_START_DELAY_MS stands for the JVM and storage start), and for a node that is already a member the
 * constructor blocks in startDaemon until it has a worker ID, a whole data replica and a log replica (read
 * from its own persisted metadata) and the daemon start (FAUNA_SIM_DAEMON_START_MS); only then the admin server
 * listens (FACTS Corrections 3). A fresh node opens 8444 right after the start delay.
 * 8443 opens FAUNA_SIM_API_OPEN_DELAY_MS after the cluster services run and the topology has a whole replica and a
 * log (FACTS §5).
 */
export async function main(argv: string[]): Promise<number> {
  const i = argv.findIndex((a) => a === "--config" || a === "-c" || a === "--conf");
  const file = i >= 0 ? argv[i + 1] : process.env.FAUNADB_CONFIG;
  if (!file) {
    process.stderr.write("usage: fauna-operator sim --config <faunadb.yml>  (or set FAUNADB_CONFIG)\n");
    return 2;
  }
  return runNode(file);
}

/** What FaunaApp's own command line may override: `-b/--bind-address` and `-p/--port` of the query API. */
export interface CommandLineOverrides {
  apiAddress?: string;
  apiPort?: number;
}

export async function runNode(file: string, overrides: CommandLineOverrides = {}): Promise<number> {
  let node: SimNode;
  let adminTls: ServerTls | undefined;
  let apiTls: ServerTls | undefined;
  try {
    const config = { ...loadConfig(file), ...overrides };
    // The key and trust files are read once, at start, as FaunaDB builds its SSL contexts once (a renewed
    // certificate takes a restart); a missing or unusable file is fatal.
    adminTls = config.adminSsl && serverTls(config.adminSsl, true);
    apiTls = config.httpSsl && serverTls(config.httpSsl, false);
    const clock = fakeTimeClock(process.env, {
      log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
      podAnnotationsFile: PATHS.podAnnotations,
    });
    node = new SimNode(config, clock, tuningFromEnv(process.env));
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  const admin = await adminServer(node, adminTls);
  let api: import("node:net").Server | undefined;
  let poll: NodeJS.Timeout | undefined;
  let stopping = false;
  const stopped = new Promise<number>((done) => {
    // FaunaApp's shutdown hook (CassandraService.stop(grace)): a member stops its heartbeats and refuses work at once
    // (ping answers `Scope … is unavailable`), so peers see it down, and stops storage only after
    // shutdown_grace_period_seconds (30 by default). A node with no cluster service exits at once.
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      const grace = node.isMember() ? node.config.shutdownGraceSeconds : 0;
      node.log(`Received ${signal}. FaunaDB is shutting down after ${grace} seconds.`);
      node.shuttingDown = true;
      clearInterval(poll);
      void sleep(grace * 1000).then(() => node.stop()).then(() => {
        admin.close();
        if ("closeAllConnections" in admin && typeof admin.closeAllConnections === "function") admin.closeAllConnections();
        api?.close();
        done(0);
        setTimeout(() => process.exit(0), 200).unref();
      });
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
  });
  const started = (async (): Promise<number | undefined> => {
    await sleep(node.tuning.startDelayMs);
    if (stopping) return undefined;
    try {
      await node.startPeer();
    } catch (e) {
      process.stderr.write(`Unable to bind to ${e instanceof Error ? e.message : String(e)}. Verify network_listen_address.\n`);
      return 1;
    }
    if (node.isMember()) {
      node.log("Waiting for a worker ID, a whole data replica and a log replica before starting.");
      while (!node.daemonReady() && !stopping) await sleep(100);
      await sleep(node.tuning.daemonStartMs);
      if (stopping) return undefined;
      node.running = true;
    }
    try {
      await new Promise<void>((ok, fail) => {
        admin.once("error", fail);
        admin.listen(node.config.adminPort, node.config.adminAddress, () => ok());
      });
    } catch (e) {
      process.stderr.write(`Unable to bind to ${node.config.adminAddress}:${node.config.adminPort}: ${String(e)}. Verify network_admin_http_address.\n`);
      return 1;
    }
    let opening = false;
    const maybeOpenApi = () => {
      if (api || opening || stopping || !node.running || !node.canServe()) return;
      opening = true;
      void sleep(node.tuning.apiOpenDelayMs)
        .then(() => import("../sim/api.ts"))
        .then(async ({ startApiServer }) => {
          if (stopping) return;
          api = await startApiServer(node, apiTls);
          process.stdout.write("FaunaDB is ready.\n");
        })
        .catch((e: unknown) => process.stderr.write(`Unable to bind the API port: ${String(e)}\n`))
        .finally(() => (opening = false));
    };
    node.onMember = maybeOpenApi;
    poll = setInterval(maybeOpenApi, 200);
    maybeOpenApi();
    process.stdout.write("FaunaDB is ready.\n");
    if (!node.isMember())
      setTimeout(() => {
        if (!node.isMember()) node.log("This node is not part of the cluster yet. You should use faunadb-admin to have it either join an existing cluster or initialize a new one.");
      }, 2000).unref();
    return undefined;
  })();
  const failed = await Promise.race([started, stopped]);
  if (failed === undefined) return stopped;
  await node.stop();
  return failed;
}

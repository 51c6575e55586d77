#!/usr/bin/env node
// `faunadb`: the simulator behind FaunaDB's own launcher interface (service/src/main/scripts/faunadb and
// FaunaApp.cliOptions), so a pod runs the same `faunadb -c <faunadb.yml>` whether its image holds FaunaDB or the
// simulator. As the real launcher: the config comes from -c/--conf, else $FAUNADB_CONFIG, else ./faunadb.yml, else
// /etc/faunadb.yml ("faunadb.yml config file not found." otherwise); JAVA_OPTS must be defined (the script runs under
// `set -u`); MAX_HEAP_SIZE and MAX_DIRECT_SIZE, when set, must be JVM sizes (-Xmx/-XX:MaxDirectMemorySize would refuse
// anything else) and are otherwise ignored, as are GC_LOG_PATH, GC_OPTS and the other JVM knobs; -b/--bind-address and
// -p/--port override the query API's address and port; an unknown option is fatal (commons-cli). Simulator settings
// come from FAUNA_SIM_* variables only (src/sim/README.md).
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";

const USAGE = "usage: faunadb [-c <faunadb.yml>] [-b <bind address>] [-p <port>] [-h]\n";
const JVM_SIZE = /^\d+[kKmMgGtT]?$/;

export function resolveConfig(flag: string | undefined, env: NodeJS.ProcessEnv, exists: (p: string) => boolean = existsSync): string | undefined {
  const file = flag ?? env.FAUNADB_CONFIG ?? ["./faunadb.yml", "/etc/faunadb.yml"].find(exists) ?? "/etc/faunadb.yml";
  return exists(file) ? file : undefined;
}

/** The launcher's own checks on its environment; an error message, or undefined when the JVM would start. */
export function launcherEnvError(env: NodeJS.ProcessEnv): string | undefined {
  if (env.JAVA_OPTS === undefined) return "faunadb: JAVA_OPTS: unbound variable";
  const heap = env.MAX_HEAP_SIZE;
  if (heap !== undefined && heap !== "" && !JVM_SIZE.test(heap))
    return `Invalid maximum heap size: -Xmx${heap}\nError: Could not create the Java Virtual Machine.`;
  const direct = env.MAX_DIRECT_SIZE;
  if (direct !== undefined && direct !== "" && !JVM_SIZE.test(direct))
    return `Invalid -XX:MaxDirectMemorySize=${direct}\nError: Could not create the Java Virtual Machine.`;
  return undefined;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values: { conf?: string; "bind-address"?: string; port?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        conf: { type: "string", short: "c" },
        "bind-address": { type: "string", short: "b" },
        port: { type: "string", short: "p" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    return 1;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const file = resolveConfig(values.conf, env);
  if (!file) {
    process.stderr.write("faunadb.yml config file not found.\n");
    return 1;
  }
  const envError = launcherEnvError(env);
  if (envError) {
    process.stderr.write(`${envError}\n`);
    return 1;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !Number.isInteger(port)) {
    process.stderr.write(`Invalid port: ${values.port}\n${USAGE}`);
    return 1;
  }
  const { runNode } = await import("./sim.ts");
  return runNode(file, { ...(values["bind-address"] ? { apiAddress: values["bind-address"] } : {}), ...(port !== undefined ? { apiPort: port } : {}) });
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));

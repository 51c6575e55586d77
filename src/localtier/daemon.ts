// Host side of a running tier: starts the namespace supervisor (inner.ts) under `unshare -Urnm` and forwards a host
// loopback port to the apiserver inside (through the unix socket the supervisor relays), so that kubectl works from
// an ordinary shell. Exits when the supervisor exits; SIGTERM stops both.
import { spawn } from "node:child_process";
import { splice } from "./splice.ts";
import { createServer, connect } from "node:net";
import { openSync, writeFileSync, readlinkSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tierFiles, REPO_ROOT } from "./paths.ts";

const [dir, portArg] = process.argv.slice(2);
if (!dir || !portArg) throw new Error("usage: daemon.ts <workdir> <apiPort>");
const apiPort = Number(portArg);
const files = tierFiles(dir);
const log = (m: string) => process.stdout.write(`[daemon ${new Date().toISOString().slice(11, 23)}] ${m}\n`);

const out = openSync(join(files.logs, "tier.log"), "a");
const inner = spawn("unshare", ["-Urnm", "--propagation", "private", "--", process.execPath,
  join(REPO_ROOT, "src", "localtier", "inner.ts"), dir, String(apiPort)], {
  stdio: ["ignore", out, out, "ipc"],
  detached: true,
});
const innerPid = inner.pid ?? -1;

const forward = createServer((client) => {
  splice(client, connect(files.apiSocket));
});
forward.listen(apiPort, "127.0.0.1");

let netns = "";
try {
  netns = readlinkSync(`/proc/${innerPid}/ns/net`);
} catch {
  /* read again below once ready */
}
const writeState = (ready: boolean) => {
  try {
    netns = readlinkSync(`/proc/${innerPid}/ns/net`);
  } catch {
    /* gone */
  }
  writeFileSync(files.state, JSON.stringify({ daemonPid: process.pid, innerPid, apiPort, netns, ready, kubeconfig: files.kubeconfig }, null, 2));
};
writeState(false);
inner.on("message", (m: { ready?: boolean }) => {
  if (m.ready) {
    writeState(true);
    log(`tier ready; kubeconfig ${files.kubeconfig}`);
  }
});
inner.on("exit", (code) => {
  log(`namespace supervisor exited (${code})`);
  forward.close();
  rmSync(files.state, { force: true });
  process.exit(code ?? 1);
});
const stop = () => {
  log("stopping");
  try {
    process.kill(innerPid, "SIGTERM");
  } catch {
    /* gone */
  }
  setTimeout(() => {
    try {
      process.kill(-innerPid, "SIGKILL");
    } catch {
      /* gone */
    }
  }, 60_000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

// The `faunadb` launcher (src/cli/faunadb.ts): FaunaDB's own command line runs the simulator, so pods of either image
// start with the same `faunadb -c <faunadb.yml>` (issue 9 item 4; FACTS §6).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FAST_SIM_ENV } from "../../src/sim/settings.ts";
import { admin, http, kill, prepare, start, waitAdmin, waitFor } from "../../src/sim/testing/processCluster.ts";

const base = mkdtempSync(join(tmpdir(), "sim-launcher-"));
after(() => rmSync(base, { recursive: true, force: true }));

const launch = (args: string[], env: Record<string, string | undefined>) =>
  spawnSync(process.execPath, ["src/cli/faunadb.ts", ...args], { encoding: "utf8", timeout: 10_000, env: { PATH: process.env.PATH, ...env } as NodeJS.ProcessEnv, cwd: process.cwd() });

test("without JAVA_OPTS, with a bad heap size, an unknown option or no config file, the launcher exits 1 saying why", () => {
  const n = prepare(base, "bad", "127.0.0.71");
  const yml = join(n.dir, "faunadb.yml");
  const cases: [string[], Record<string, string>, RegExp][] = [
    [["-c", yml], {}, /JAVA_OPTS: unbound variable/],
    [["-c", yml], { JAVA_OPTS: "", MAX_HEAP_SIZE: "big" }, /Invalid maximum heap size: -Xmxbig/],
    [["-c", yml, "--init"], { JAVA_OPTS: "" }, /Unknown option '--init'/],
    [["-c", join(base, "none.yml")], { JAVA_OPTS: "" }, /^faunadb\.yml config file not found\.$/m],
  ];
  for (const [args, env, re] of cases) {
    const r = launch(args, env);
    assert.equal(r.status, 1, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
  assert.equal(launch(["-h"], {}).status, 0);
});

test("`faunadb -c <file>` (and FAUNADB_CONFIG) runs a node; -p moves the query API like FaunaApp's --port", async () => {
  const a = prepare(base, "a", "127.0.0.72");
  start(a, { ...FAST_SIM_ENV, MAX_HEAP_SIZE: "512M", MAX_DIRECT_SIZE: "256M" });
  try {
    await waitAdmin(a);
    assert.equal((await admin(a, "POST", "/admin/init", { replica_name: "r1" })).status, 200);
    await waitFor("8443", async () => ((await http(a.address, 8443, "GET", "/ping?scope=node")).status === 200 ? true : undefined));
  } finally {
    await kill(a, "SIGTERM");
  }
  const b = prepare(base, "b", "127.0.0.73");
  const proc = (await import("node:child_process")).spawn(process.execPath, ["src/cli/faunadb.ts", "-p", "9443"], {
    env: { ...process.env, ...FAST_SIM_ENV, JAVA_OPTS: "", FAUNADB_CONFIG: join(b.dir, "faunadb.yml") },
    stdio: "ignore",
  });
  b.proc = proc;
  try {
    await waitAdmin(b);
    assert.equal((await admin(b, "POST", "/admin/init", { replica_name: "r1" })).status, 200);
    await waitFor("9443", async () => ((await http(b.address, 9443, "GET", "/ping?scope=node")).status === 200 ? true : undefined));
  } finally {
    await kill(b, "SIGTERM");
  }
});

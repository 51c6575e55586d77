// From an ordinary shell: `local up` prints a kubeconfig that kubectl on the host can use, `local exec` reaches the
// namespace, and `local down` leaves no process behind. Runs on the host with a tier of its own (separate work dir).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { bin, REPO_ROOT } from "../../src/localtier/paths.ts";
import { processesInNetns, readState } from "../../src/localtier/tier.ts";

test("local up → kubectl from the host → local exec → local down leaves no process", { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "tier-lifecycle-"));
  const env = { ...process.env, FAUNA_TIER_WORKDIR: dir };
  const cli = (args: string[]) => execa(process.execPath, [join(REPO_ROOT, "src/cli/main.ts"), ...args], { env, reject: false });
  try {
    const upRun = await cli(["local", "up"]);
    assert.equal(upRun.exitCode, 0, upRun.stderr);
    const kubeconfig = upRun.stdout.trim().split("\n").pop() ?? "";
    assert.equal(kubeconfig, (await cli(["local", "kubeconfig"])).stdout.trim());

    const nodes = await execa(bin("kubectl"), ["--kubeconfig", kubeconfig, "get", "nodes", "-o", "name"]);
    assert.deepEqual(nodes.stdout.trim().split("\n"), ["node/kwok-node-0", "node/kwok-node-1", "node/kwok-node-2"]);

    const inside = await cli(["local", "exec", "--", "ip", "route", "show", "table", "local"]);
    assert.equal(inside.exitCode, 0, inside.stderr);
    assert.match(inside.stdout, /local 10\.244\.0\.0\/16 dev lo/);

    const state = readState(dir);
    assert.ok(state?.netns, "state records the namespace");
    assert.ok(processesInNetns(state.netns).length >= 6, "control plane runs inside the namespace");

    const downRun = await cli(["local", "down"]);
    assert.equal(downRun.exitCode, 0, downRun.stderr);
    assert.deepEqual(processesInNetns(state.netns), [], "no process of the tier survives local down");
    for (const pid of [state.daemonPid, state.innerPid]) assert.throws(() => process.kill(pid, 0));
  } finally {
    await cli(["local", "down"]);
  }
});

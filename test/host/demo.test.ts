// `npm run demo`, the main job, from a shell on the host: with no arguments it brings up a tier (its own work dir
// here), installs the CRD and the operator Deployment, applies the 3 × 3 sample, reaches Ready, prints the per-node
// table, and tears everything down.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { REPO_ROOT } from "../../src/localtier/paths.ts";
import { readState } from "../../src/localtier/tier.ts";

test("npm run demo: the 3 × 3 sample reaches Ready on a fresh tier, per-node state is printed, and the tier is gone after", { timeout: 600_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "demo-"));
  const run = await execa(process.execPath, [join(REPO_ROOT, "src/cli/main.ts"), "demo", "--timeout", "400"], {
    env: { ...process.env, FAUNA_TIER_WORKDIR: dir },
    reject: false,
    all: true,
  });
  assert.equal(run.exitCode, 0, run.all);
  assert.match(run.stderr, /Ready \d+ s after apply/);
  const rows = run.stdout.split("\n").filter((l) => /^fauna-replica-\d-\d\s/.test(l));
  assert.equal(rows.length, 9, run.stdout);
  for (const r of rows) assert.match(r, /data\+log\s+up\s+live\s+33\.3%\s+33\.3%/);
  assert.equal(rows.filter((r) => /\syes$/.test(r)).length, 3, "one leader per log segment");
  assert.equal(readState(dir), undefined, "the demo stopped the tier it started");
});

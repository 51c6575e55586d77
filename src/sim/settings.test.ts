import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { FAST_SIM_ENV, SettingError, SIM_SETTINGS, tuningFromEnv } from "./settings.ts";

const readme = readFileSync(new URL("./README.md", import.meta.url), "utf8");

test("src/sim/README.md lists every setting with its default", () => {
  for (const s of Object.values(SIM_SETTINGS)) assert.match(readme, new RegExp(`\\| \`${s.env}\` \\| ${s.default} \\|`), s.env);
  const listed = [...readme.matchAll(/^\| `(FAUNA_SIM_[A-Z_]+)` \|/gm)].map((m) => m[1]);
  assert.deepEqual(listed.sort(), Object.values(SIM_SETTINGS).map((s) => s.env).sort(), "no setting listed that does not exist");
});

test("unset or empty variables keep FaunaDB's defaults; a non-number is refused", () => {
  const t = tuningFromEnv({ FAUNA_SIM_INIT_MS: "" });
  assert.equal(t.initMs, 3000);
  assert.equal(t.startDelayMs, 15_000);
  assert.equal(tuningFromEnv({ FAUNA_SIM_INIT_MS: "10" }).initMs, 10);
  assert.throws(() => tuningFromEnv({ FAUNA_SIM_INIT_MS: "fast" }), SettingError);
  assert.throws(() => tuningFromEnv({ FAUNA_SIM_INIT_MS: "-1" }), SettingError);
});

test("FAST_SIM_ENV sets only real settings", () => {
  const known = new Set<string>(Object.values(SIM_SETTINGS).map((s) => s.env));
  assert.deepEqual(Object.keys(FAST_SIM_ENV).filter((k) => !known.has(k)), []);
});

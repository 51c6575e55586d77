import { test } from "node:test";
import assert from "node:assert/strict";
import { configFromMap, ConfigError, KNOWN_KEYS } from "./config.ts";
import { coreConfigKeys } from "../../test/support/coreConfigKeys.ts";

test("the simulator knows exactly CoreConfig.scala's keys (test/fixtures/faunadb/coreconfig-keys.txt)", () => {
  const { keys } = coreConfigKeys();
  assert.deepEqual([...KNOWN_KEYS].filter((k) => !keys.has(k)), [], "keys FaunaDB would refuse");
  assert.deepEqual([...keys].filter((k) => !KNOWN_KEYS.has(k)), [], "keys FaunaDB accepts");
});

test("the misspelt stall switch is fatal, the real one accepted (FACTS Corrections 5)", () => {
  const base = { network_broadcast_address: "10.0.0.1", auth_root_key: "k" };
  assert.throws(() => configFromMap({ ...base, consensus_stall_restart_enable: true }, "f", false), (e: unknown) => e instanceof ConfigError && e.message === "`consensus_stall_restart_enable`: Unrecognized setting.");
  assert.equal(configFromMap({ ...base, consensus_stall_restart_period_enable: false }, "f", false).consensusStallRestartEnable, false);
});

import assert from "node:assert/strict";
import { describe, it, test } from "node:test";
import bcrypt from "bcryptjs";
import { rootKeyHashesLine } from "../api/faunaConfig.ts";
import { configFromMap, ConfigError, isRootKey, KNOWN_KEYS, parseFlatYaml } from "./config.ts";
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

const KEY = "fo0123456789abcdefABCDEF";
const base = { network_broadcast_address: "10.0.0.1" };
/** bcryptjs writes revision 2b; for keys under 72 bytes 2a computes the same hash, so the prefix is all that differs. */
const as2a = (hash: string) => hash.replace(/^\$2b\$/, "$2a$");
const hashA = as2a(bcrypt.hashSync(KEY, 4));

describe("sim root key (FaunaApp.setupRootKeys, util/BCrypt.scala)", () => {
  it("a cleartext auth_root_key alone is the key", () => {
    const c = configFromMap({ ...base, auth_root_key: KEY }, "f", false);
    assert.equal(isRootKey(c, KEY), true);
    assert.equal(isRootKey(c, `${KEY}x`), false);
  });

  it("auth_root_key_hashes: any listed BCrypt ($2a$) hash admits its key; others are refused", () => {
    const other = as2a(bcrypt.hashSync("another-key-of-twenty", 4));
    const c = configFromMap({ ...base, auth_root_key_hashes: [hashA, other] }, "f", false);
    assert.equal(isRootKey(c, KEY), true);
    assert.equal(isRootKey(c, "another-key-of-twenty"), true);
    assert.equal(isRootKey(c, "not-the-key-at-all-x"), false);
  });

  it("with a hash set, the cleartext auth_root_key no longer counts", () => {
    const c = configFromMap({ ...base, auth_root_key: "cleartext-key-0123456", auth_root_key_hash: hashA }, "f", false);
    assert.equal(isRootKey(c, KEY), true);
    assert.equal(isRootKey(c, "cleartext-key-0123456"), false);
  });

  it("a $2b$ hash never matches (jBCrypt 0.4 knows only revision a)", () => {
    const c = configFromMap({ ...base, auth_root_key_hashes: [bcrypt.hashSync(KEY, 4)] }, "f", false);
    assert.equal(isRootKey(c, KEY), false);
  });

  it("without any root key setting, the config is refused as FaunaDB refuses it", () => {
    assert.throws(() => configFromMap({ ...base }, "f", false), /auth_root_key or auth_root_key_hash must be set/);
  });
});

describe("sim reads the operator's hash line", () => {
  it("auth_root_key_hashes as a JSON flow list of $2a$ hashes (with $ . / in them)", () => {
    const other = as2a(bcrypt.hashSync("another-key-of-twenty", 4));
    const raw = parseFlatYaml(`network_broadcast_address: a.b\n${rootKeyHashesLine([hashA, other])}\n`);
    assert.deepEqual(raw.auth_root_key_hashes, [hashA, other]);
    assert.equal(isRootKey(configFromMap(raw, "f", false), KEY), true);
  });
});

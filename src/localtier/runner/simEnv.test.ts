import { test } from "node:test";
import assert from "node:assert/strict";
import type { V1Pod } from "@kubernetes/client-node";
import { PodConfigError } from "./env.ts";
import { formatSimEnv, SIM_ENV_ANNOTATION, simEnv } from "./simEnv.ts";

const pod = (value?: string): V1Pod => ({ metadata: { name: "p", annotations: value === undefined ? {} : { [SIM_ENV_ANNOTATION]: value } } });

test("KEY=VALUE pairs separated by commas become the process environment", () => {
  assert.deepEqual(simEnv(pod("FAUNA_SIM_START_DELAY_MS=0, FAUNA_SIM_CHECK_INTERVAL_MS=100,")), {
    FAUNA_SIM_START_DELAY_MS: "0",
    FAUNA_SIM_CHECK_INTERVAL_MS: "100",
  });
  assert.deepEqual(simEnv(pod()), {});
  assert.deepEqual(simEnv(pod("  ")), {});
});

test("only FAUNA_SIM_* keys are accepted: PATH, lower case and missing '=' are refused", () => {
  for (const bad of ["PATH=/tmp", "fauna_sim_x=1", "FAUNA_SIM_INIT_MS", "=1", "FAUNA_SIM_=1"])
    assert.throws(() => simEnv(pod(bad)), PodConfigError, bad);
});

test("formatSimEnv writes what simEnv reads", () => {
  const env = { FAUNA_SIM_START_DELAY_MS: "0", FAUNA_SIM_RING_MOVE_MS: "1000" };
  assert.deepEqual(simEnv(pod(formatSimEnv(env))), env);
});

// Reads everything the later steps need, once.
import { observeKube } from "../observe.ts";
import { next, type Pass, type StepResult } from "../pass.ts";

export const observeCluster = {
  name: "Observe",
  async run(pass: Pass): Promise<StepResult> {
    pass.observed = await observeKube(pass.deps.client, pass.cluster, pass.signal);
    return next();
  },
};

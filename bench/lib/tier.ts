// Benchmark helpers on the local tier: a namespace deleted and waited for, so the next benchmark does not share the
// machine with the previous one's terminating pods.
import { ensureCompiledCli } from "../../src/localtier/tier.ts";
import { useTier, type TestTier } from "../../test/support/localtier.ts";
import { installCrdAndRbac, startOperator, type RunningOperator } from "../../test/support/operator.ts";

export interface OperatorBench {
  tier: TestTier;
  ns: string;
  lease: string;
  /** An operator on the bench's namespace and Lease, debug log, as its image runs it (compiled dist/). */
  startOperator(healthPort: number, extraArgs?: string[]): Promise<RunningOperator>;
}

/** The tier, the CRD and RBAC, a fresh namespace and its Lease name, for a benchmark that runs the operator. */
export async function operatorBench(namespacePrefix: string, say: (m: string) => void): Promise<OperatorBench> {
  const tier = await useTier();
  // The operator as its image runs it: compiled dist/ (from src/ through type stripping it holds ~26 MB more).
  await ensureCompiledCli(say);
  await installCrdAndRbac(tier);
  const ns = await tier.namespace(namespacePrefix);
  const lease = `lease-${ns}`;
  return {
    tier,
    ns,
    lease,
    startOperator: (healthPort, extraArgs = []) =>
      startOperator(tier, { namespace: ns, healthPort, leaseName: lease, extraArgs: ["--log-level", "debug", ...extraArgs], entry: "dist/cli/main.js" }),
  };
}

export async function deleteNamespaceAndWait(tier: TestTier, name: string, timeoutMs = 300_000): Promise<boolean> {
  await tier.deleteNamespace(name);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const gone = await tier.core.readNamespace({ name }).then(() => false, () => true);
    if (gone) return true;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return false;
}

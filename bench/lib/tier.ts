// Benchmark helpers on the local tier: a namespace deleted and waited for, so the next benchmark does not share the
// machine with the previous one's terminating pods.
import type { TestTier } from "../../test/support/localtier.ts";

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

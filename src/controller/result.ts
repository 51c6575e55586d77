// What a reconcile pass returns, and what each answer does to the queue (controller-runtime's reconcileHandler).
import type { WorkQueue } from "./queue.ts";

export type Result =
  | { kind: "done" }
  | { kind: "requeue"; afterMs: number }
  | { kind: "error"; error: unknown; terminal?: boolean };

export const done = (): Result => ({ kind: "done" });
export const requeueAfter = (afterMs: number): Result => ({ kind: "requeue", afterMs });
export const failed = (error: unknown, terminal = false): Result => ({ kind: "error", error, terminal });

/** The `result` label of the reconcile metrics. */
export type Outcome = "success" | "requeue_after" | "error" | "terminal_error";

export type ResultPolicy = {
  /** Floor on requeue delays, so a step that asks for 0 ms cannot spin the loop (cass-operator's minimum). */
  minRequeueMs: number;
};

/**
 * 200 ms: a pass that acted looks again this soon (its call has answered); at most five passes a second per key. At
 * 500 ms the floor alone was 4 s of a 3 × 3 creation's operator overhead (nine actions in a row, issue 14).
 */
export const DEFAULT_RESULT_POLICY: ResultPolicy = { minRequeueMs: 200 };

/**
 * - done: forget the key's backoff; the next watch event or resync brings it back.
 * - requeue: forget the backoff and add the key again after max(afterMs, floor).
 * - error: add it again with the key's next backoff step (5 ms doubling to 1000 s).
 * - terminal error: forget it: retrying cannot help until the object changes, which re-adds it.
 */
export function applyResult(
  queue: Pick<WorkQueue, "forget" | "addAfter" | "addRateLimited">,
  key: string,
  result: Result,
  policy: ResultPolicy = DEFAULT_RESULT_POLICY,
): Outcome {
  switch (result.kind) {
    case "done":
      queue.forget(key);
      return "success";
    case "requeue":
      queue.forget(key);
      queue.addAfter(key, Math.max(result.afterMs, policy.minRequeueMs));
      return "requeue_after";
    case "error":
      if (result.terminal) {
        queue.forget(key);
        return "terminal_error";
      }
      queue.addRateLimited(key);
      return "error";
    default: {
      const unreachable: never = result;
      throw new Error(`unknown reconcile result ${JSON.stringify(unreachable)}`);
    }
  }
}

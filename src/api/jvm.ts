// MAX_HEAP_SIZE / MAX_DIRECT_SIZE for the FaunaDB launcher. Left unset, the launcher sizes the JVM from the host's
// /proc/meminfo, not the pod's limit, and the pod gets OOM-killed (FACTS §6). So they are always set.
import type { V1ResourceRequirements } from "@kubernetes/client-node";
import type { JvmSpec } from "./types.ts";
import { MiB, parseJvmSize, parseQuantity } from "./quantity.ts";

export interface JvmSizes {
  maxHeapSize: string;
  maxDirectSize: string;
}

/** Fractions of the container memory: heap + direct leave a quarter for metaspace, threads and native buffers. */
export const HEAP_FRACTION = 0.5;
export const DIRECT_FRACTION = 0.25;
/** Used when the replica sets no memory at all (FaunaDB's dev runs use -Xmx2G; FACTS §10). */
export const FALLBACK_SIZES: JvmSizes = { maxHeapSize: "1024M", maxDirectSize: "512M" };
const MIN_HEAP_MIB = 256;
const MIN_DIRECT_MIB = 64;

/** The memory the container may use: its limit, else its request. */
export function containerMemoryBytes(resources: V1ResourceRequirements | undefined): number | undefined {
  const q = resources?.limits?.["memory"] ?? resources?.requests?.["memory"];
  const bytes = parseQuantity(q);
  return bytes !== undefined && bytes > 0 ? bytes : undefined;
}

export function jvmSizes(jvm: JvmSpec | undefined, resources: V1ResourceRequirements | undefined): JvmSizes {
  const memory = containerMemoryBytes(resources);
  const derived: JvmSizes =
    memory === undefined
      ? FALLBACK_SIZES
      : {
          maxHeapSize: `${Math.max(MIN_HEAP_MIB, Math.floor((memory * HEAP_FRACTION) / MiB))}M`,
          maxDirectSize: `${Math.max(MIN_DIRECT_MIB, Math.floor((memory * DIRECT_FRACTION) / MiB))}M`,
        };
  return {
    maxHeapSize: jvm?.maxHeapSize ?? derived.maxHeapSize,
    maxDirectSize: jvm?.maxDirectSize ?? derived.maxDirectSize,
  };
}

/** Heap + direct in bytes, for checking against the memory limit. */
export function jvmBytes(sizes: JvmSizes): number {
  return (parseJvmSize(sizes.maxHeapSize) ?? 0) + (parseJvmSize(sizes.maxDirectSize) ?? 0);
}

// Maps a pod's volumes to host directories, the way the kubelet prepares them before a container starts:
// PVCs → their PV's hostPath (kept across pod restarts), emptyDir → a per-pod dir, ConfigMap/Secret/downwardAPI/
// projected → files written fresh at each start.
import { mkdir, writeFile, rm, stat } from "node:fs/promises";
import { join, dirname } from "node:path";
import type { V1Pod, V1Container, V1KeyToPath, V1Volume } from "@kubernetes/client-node";
import { fieldPathValue, PodConfigError } from "./env.ts";

export interface VolumeLookup {
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  configMap(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  pvcHostPath(namespace: string, claim: string): Promise<string | undefined>;
  serviceAccountToken(namespace: string, serviceAccount: string, audiences: string[] | undefined, seconds: number): Promise<string>;
  caCert(): Promise<string>;
}

export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

type Files = Array<{ path: string; content: string; mode: number }>;

function keyFiles(data: Record<string, string>, items: V1KeyToPath[] | undefined, mode: number): Files {
  if (!items?.length) return Object.entries(data).map(([k, v]) => ({ path: k, content: v, mode }));
  return items.flatMap((it) => (it.key in data ? [{ path: it.path, content: data[it.key] ?? "", mode: it.mode ?? mode }] : []));
}

async function writeFiles(dir: string, files: Files): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const f of files) {
    const p = join(dir, f.path);
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, f.content, { mode: f.mode });
  }
}

async function volumeFiles(pod: V1Pod, v: V1Volume, lookup: VolumeLookup): Promise<Files | undefined> {
  const ns = pod.metadata?.namespace ?? "default";
  const need = async (kind: "secret" | "configMap", name: string, optional?: boolean) => {
    const data = await lookup[kind](ns, name);
    if (!data && !optional) throw new PodConfigError(`volume ${v.name}: ${kind} ${ns}/${name} not found`);
    return data ?? {};
  };
  if (v.configMap) return keyFiles(await need("configMap", v.configMap.name ?? "", v.configMap.optional), v.configMap.items, v.configMap.defaultMode ?? 0o644);
  if (v.secret) return keyFiles(await need("secret", v.secret.secretName ?? "", v.secret.optional), v.secret.items, v.secret.defaultMode ?? 0o644);
  if (v.downwardAPI) {
    return (v.downwardAPI.items ?? []).map((it) => ({
      path: it.path, content: it.fieldRef ? fieldPathValue(pod, it.fieldRef.fieldPath) : "", mode: it.mode ?? 0o644,
    }));
  }
  if (v.projected) {
    const files: Files = [];
    const mode = v.projected.defaultMode ?? 0o644;
    for (const s of v.projected.sources ?? []) {
      if (s.configMap) files.push(...keyFiles(await need("configMap", s.configMap.name ?? "", s.configMap.optional), s.configMap.items, mode));
      if (s.secret) files.push(...keyFiles(await need("secret", s.secret.name ?? "", s.secret.optional), s.secret.items, mode));
      if (s.downwardAPI) {
        for (const it of s.downwardAPI.items ?? []) {
          files.push({ path: it.path, content: it.fieldRef ? fieldPathValue(pod, it.fieldRef.fieldPath) : "", mode });
        }
      }
      if (s.serviceAccountToken) {
        const token = await lookup.serviceAccountToken(ns, pod.spec?.serviceAccountName ?? "default",
          s.serviceAccountToken.audience ? [s.serviceAccountToken.audience] : undefined,
          s.serviceAccountToken.expirationSeconds ?? 3607);
        files.push({ path: s.serviceAccountToken.path, content: token, mode: 0o600 });
      }
    }
    return files;
  }
  return undefined;
}

/** Prepares every volume the container mounts and returns the bind mounts to make, parents before children. */
export async function prepareMounts(pod: V1Pod, container: V1Container, podDir: string, lookup: VolumeLookup): Promise<Mount[]> {
  const ns = pod.metadata?.namespace ?? "default";
  const byName = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  const mounts: Mount[] = [];
  const prepared = new Map<string, string>();
  for (const vm of container.volumeMounts ?? []) {
    const v = byName.get(vm.name);
    if (!v) throw new PodConfigError(`volumeMount ${vm.name} has no volume`);
    let dir = prepared.get(v.name);
    if (!dir) {
      if (v.persistentVolumeClaim) {
        dir = await lookup.pvcHostPath(ns, v.persistentVolumeClaim.claimName);
        if (!dir) throw new PodConfigError(`volume ${v.name}: PVC ${ns}/${v.persistentVolumeClaim.claimName} is not bound yet`);
      } else if (v.hostPath) {
        dir = v.hostPath.path;
      } else if (v.emptyDir) {
        dir = join(podDir, "volumes", v.name);
        await mkdir(dir, { recursive: true });
      } else {
        const files = await volumeFiles(pod, v, lookup);
        if (!files) throw new PodConfigError(`volume ${v.name}: unsupported volume source`);
        dir = join(podDir, "volumes", v.name);
        await writeFiles(dir, files);
      }
      prepared.set(v.name, dir);
    }
    const source = vm.subPath ? join(dir, vm.subPath) : dir;
    if (vm.subPath) await stat(source).catch(() => mkdir(source, { recursive: true }));
    mounts.push({ source, target: vm.mountPath, readOnly: vm.readOnly ?? false });
  }
  return orderMounts(mounts);
}

const under = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith("/") ? dir : `${dir}/`);

/**
 * Bind-mount order: a parent target before the targets inside it, and a target after every mount whose source it
 * would hide (an emptyDir on /tmp must not hide volume sources under a work dir in /tmp). Where the two rules
 * conflict the parent-first rule wins.
 */
export function orderMounts(mounts: readonly Mount[]): Mount[] {
  const pending = [...mounts].sort((a, b) => a.target.length - b.target.length || a.target.localeCompare(b.target));
  const out: Mount[] = [];
  while (pending.length) {
    const ready = pending.findIndex((m) =>
      !pending.some((n) => n !== m && (
        (under(m.target, n.target) && m.target !== n.target) ||
        (under(n.source, m.target) && !under(n.target, m.target))
      )));
    out.push(...pending.splice(ready >= 0 ? ready : 0, 1));
  }
  return out;
}

// `fauna-operator local <build|up|down|kubeconfig|exec|status>`: the local tier from a shell.
import { execa } from "execa";
import { join } from "node:path";
import { up, down, exec, readState } from "../localtier/tier.ts";
import { tierFiles, workDir, REPO_ROOT } from "../localtier/paths.ts";

const usage = `usage: fauna-operator local <command>
  build          build or find the control-plane binaries (hack/build-localtier.sh)
  up             start the tier in the background; prints the kubeconfig path
  down           stop the tier; no process is left behind
  kubeconfig     print the kubeconfig path
  exec -- CMD    run CMD inside the tier's network namespace (pod IPs and pod DNS names reach)
  status         print the tier's state
`;

export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case "build":
      await execa("bash", [join(REPO_ROOT, "hack", "build-localtier.sh")], { stdio: "inherit" });
      return 0;
    case "up": {
      const t0 = Date.now();
      process.stderr.write("starting the local tier (etcd, kube-apiserver, controller-manager, scheduler, kwok)...\n");
      const s = await up({ progress: (m) => process.stderr.write(`  ${m}\n`) });
      process.stderr.write(`local tier ready in ${((Date.now() - t0) / 1000).toFixed(1)} s; use: kubectl --kubeconfig ${s.kubeconfig} get nodes\n`);
      process.stdout.write(`${s.kubeconfig}\n`);
      return 0;
    }
    case "down": {
      const { killed, strays } = await down();
      process.stderr.write(`local tier stopped${killed ? ` (${killed} stray processes killed)` : ""}\n`);
      if (process.env.FAUNA_TIER_DEBUG) for (const s of strays) process.stderr.write(`  stray: ${s}\n`);
      return 0;
    }
    case "kubeconfig":
      process.stdout.write(`${tierFiles(workDir()).kubeconfig}\n`);
      return 0;
    case "exec": {
      const cmd = rest[0] === "--" ? rest.slice(1) : rest;
      if (cmd.length === 0) {
        process.stderr.write(usage);
        return 2;
      }
      return exec(cmd);
    }
    case "status": {
      const s = readState();
      process.stdout.write(s ? `${JSON.stringify(s, null, 2)}\n` : "no local tier is running\n");
      return s ? 0 : 1;
    }
    default:
      process.stderr.write(usage);
      return sub ? 2 : 0;
  }
}

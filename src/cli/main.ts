#!/usr/bin/env node
// The `fauna-operator` CLI: one module per command, loaded lazily so `sim` starts fast.
const commands: Record<string, () => Promise<{ main: (argv: string[]) => Promise<number> }>> = {
  crd: () => import("./crd.ts"),
  run: () => import("./run.ts"),
  local: () => import("./local.ts"),
  demo: () => import("./demo.ts"),
  harness: () => import("./harness.ts"),
  sim: () => import("./sim.ts"),
  "sim-admin": () => import("./sim-admin.ts"),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const load = name ? commands[name] : undefined;
  if (!load) {
    process.stderr.write(
      `usage: fauna-operator <command> [args]\ncommands: ${Object.keys(commands).sort().join(", ")}\n`,
    );
    return name ? 2 : 0;
  }
  const mod = await load();
  return mod.main(rest);
}

process.exitCode = await main(process.argv.slice(2));

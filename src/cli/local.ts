// `fauna-operator local <up|down|kubeconfig|exec|status>`: the local tier from a shell.
export async function main(argv: string[]): Promise<number> {
  process.stderr.write(`local: subcommand ${argv[0] ?? "(none)"} is not implemented yet\n`);
  return 2;
}

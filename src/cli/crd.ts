// `fauna-operator crd`: print the FaunaCluster CRD as YAML (the content of crds/faunaclusters.fauna-operator.io.yaml).
import { crdYaml } from "../api/crd.ts";

export async function main(argv: string[]): Promise<number> {
  if (argv.length > 0) {
    process.stderr.write("usage: fauna-operator crd   (prints the FaunaCluster CRD YAML to stdout)\n");
    return 2;
  }
  process.stdout.write(crdYaml());
  return 0;
}

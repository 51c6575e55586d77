// The container's start script: renders faunadb.yml from the ConfigMap template, then execs FaunaDB (or the
// simulator). POSIX sh with sed and mkdir only: the local tier runs it with the host's /bin/sh. The pod never sees
// the root key: the template carries its BCrypt hashes.
import { PATHS, PLACEHOLDERS } from "../../api/faunaConfig.ts";
import { isSimulatorImage } from "../../api/funcs.ts";

/** What runs once the config is rendered (FACTS §6 launcher `-c`; the simulator's `--config`). */
export function serverCommand(image: string): string {
  return isSimulatorImage(image) ? `exec fauna-operator sim --config ${PATHS.config}` : `exec faunadb -c ${PATHS.config}`;
}

export function startScript(image: string): string {
  return [
    "set -eu",
    "umask 077",
    `mkdir -p ${PATHS.flagsDir} ${PATHS.logs}`,
    `sed -e "s|${PLACEHOLDERS.podName}|$POD_NAME|g" -e "s|${PLACEHOLDERS.podIp}|$POD_IP|g" ${PATHS.template} > ${PATHS.config}`,
    serverCommand(image),
    "",
  ].join("\n");
}

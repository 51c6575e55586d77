// The container's start script: renders faunadb.yml from the ConfigMap template, appends the root key from the
// mounted Secret, then execs FaunaDB's own launcher. POSIX sh with sed, cat and mkdir only: the local tier runs it
// with the host's /bin/sh. The key is copied by cat/printf into a 0600 file, never passed as an argument (FACTS §1.1).
// The same command for every image: whatever image the spec names must ship `faunadb` taking FaunaDB's arguments.
import { PATHS, PLACEHOLDERS } from "../../api/faunaConfig.ts";

/** What runs once the config is rendered (FACTS §6: the launcher's `-c <file>`). */
export const SERVER_COMMAND = `exec faunadb -c ${PATHS.config}`;

export function startScript(): string {
  return [
    "set -eu",
    "umask 077",
    `mkdir -p ${PATHS.flagsDir} ${PATHS.logs}`,
    `sed -e "s|${PLACEHOLDERS.podName}|$POD_NAME|g" -e "s|${PLACEHOLDERS.podIp}|$POD_IP|g" ${PATHS.template} > ${PATHS.config}`,
    `{ printf 'auth_root_key: '; cat ${PATHS.rootKey}; printf '\\n'; } >> ${PATHS.config}`,
    SERVER_COMMAND,
    "",
  ].join("\n");
}

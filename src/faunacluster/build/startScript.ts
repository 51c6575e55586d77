// The container's start script: renders faunadb.yml from the ConfigMap template, then execs FaunaDB's own launcher.
// POSIX sh with sed and mkdir only: the local tier runs it with the host's /bin/sh. The pod never sees the root key:
// the template carries its BCrypt hashes. The same command for every image: whatever image the spec names must ship
// `faunadb` taking FaunaDB's arguments.
import { PATHS, PLACEHOLDERS, TLS_CONFIG_LINES } from "../../api/faunaConfig.ts";

/** What runs once the config is rendered (FACTS §6: the launcher's `-c <file>`). */
export const SERVER_COMMAND = `exec faunadb -c ${PATHS.config}`;

export function startScript(): string {
  return [
    "set -eu",
    "umask 077",
    `mkdir -p ${PATHS.flagsDir} ${PATHS.logs}`,
    `sed -e "s|${PLACEHOLDERS.podName}|$POD_NAME|g" -e "s|${PLACEHOLDERS.podIp}|$POD_IP|g" ${PATHS.template} > ${PATHS.config}`,
    // cert-manager's Secret: FaunaDB reads key and chain from one file (CoreConfig.scala *_key_file), written to memory.
    `if [ -f ${PATHS.tlsIssuedDir}/tls.key ]; then sed -e '' ${PATHS.tlsIssuedDir}/tls.key ${PATHS.tlsIssuedDir}/tls.crt > ${PATHS.tlsKeyFile}; sed -e '' ${PATHS.tlsIssuedDir}/ca.crt > ${PATHS.tlsTrustFile}; fi`,
    `if [ -f ${PATHS.tlsKeyFile} ]; then printf '%s\\n' ${TLS_CONFIG_LINES.map((l) => `'${l}'`).join(" ")} >> ${PATHS.config}; fi`,
    SERVER_COMMAND,
    "",
  ].join("\n");
}

#!/usr/bin/env bash
# A Docker engine for the kind tier, when none answers.
#   hack/kind/engine.sh up      docker info answers: nothing is changed. Otherwise (root, Debian/Ubuntu): installs
#                               docker.io (and jq) where dockerd is missing, starts dockerd (no systemd needed), and
#                               runs a privileged probe container; if that fails (the host lacks CAP_SYS_RESOURCE),
#                               restarts dockerd with hack/kind/runc-wrapper as its default runtime and probes again.
#   hack/kind/engine.sh down    stops the dockerd this script started (by its PID), nothing else.
#   hack/kind/engine.sh status  says who runs the engine and with which runtime.
# Idempotent: `up` on a running engine returns at once. State (PID, log, wrapper copy): $FAUNA_DOCKER_STATE.
set -euo pipefail
source "$(dirname -- "${BASH_SOURCE[0]}")/env.sh"

STATE="${FAUNA_DOCKER_STATE:-$HOME/.cache/fauna-operator/docker}"
PIDFILE="$STATE/dockerd.pid"
LOG="$STATE/dockerd.log"
WRAPPER="$STATE/fauna-runc"
PROBE_IMAGE="fauna-kind/probe:1"

engine_answers() { docker info >/dev/null 2>&1; }

ours_running() {
  [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

install_engine() {
  command -v dockerd >/dev/null 2>&1 && command -v jq >/dev/null 2>&1 && return 0
  [[ "$(id -u)" == 0 ]] || die "no Docker engine answers and dockerd is not installed. Install Docker (https://docs.docker.com/engine/install/) and start it, or run this as root on Debian/Ubuntu to install docker.io."
  command -v apt-get >/dev/null 2>&1 || die "no Docker engine answers and this is not a Debian/Ubuntu host: install and start Docker (https://docs.docker.com/engine/install/)."
  log "installing docker.io and jq from the distribution (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io jq >/dev/null
}

# $@: extra dockerd flags.
start_dockerd() {
  mkdir -p "$STATE"
  log "starting dockerd $* (log: $LOG)"
  # setsid: the engine outlives this script; it is stopped by `engine.sh down` through its PID file.
  setsid dockerd --pidfile "$PIDFILE" "$@" >>"$LOG" 2>&1 </dev/null &
  local i
  for i in $(seq 1 60); do
    engine_answers && { log "dockerd answers (PID $(cat "$PIDFILE"))"; return 0; }
    sleep 1
  done
  tail -n 20 "$LOG" >&2 || true
  die "dockerd did not answer within 60 s; its log is $LOG"
}

stop_dockerd() {
  ours_running || return 0
  local pid
  pid="$(cat "$PIDFILE")"
  log "stopping dockerd (PID $pid)"
  kill -TERM "$pid"
  local i
  for i in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$PIDFILE"; return 0; }
    sleep 1
  done
  die "dockerd (PID $pid) did not stop within 60 s"
}

# A one-file image made from the host's /usr/bin/true and the libraries it links: no registry needed.
ensure_probe_image() {
  docker image inspect "$PROBE_IMAGE" >/dev/null 2>&1 && return 0
  local files
  files="$(ldd /usr/bin/true | grep -o '/[^ ]*' | sort -u | tr '\n' ' ')"
  # shellcheck disable=SC2086 # word splitting of the file list is wanted
  tar -c -h -f - /usr/bin/true $files 2>/dev/null | docker import - "$PROBE_IMAGE" >/dev/null
}

privileged_probe() {
  docker run --rm --privileged "$PROBE_IMAGE" /usr/bin/true >"$STATE/probe.out" 2>&1
}

up() {
  if engine_answers; then
    if ours_running; then log "dockerd started by this script answers (PID $(cat "$PIDFILE"))"; else log "a Docker engine answers: leaving it as it is"; fi
    return 0
  fi
  install_engine
  start_dockerd
  ensure_probe_image
  if privileged_probe; then
    log "privileged containers work: no runtime wrapper needed"
    return 0
  fi
  log "a privileged container fails here ($(grep -Eo 'unable to apply caps[^"]*|rlimit[^"]*' "$STATE/probe.out" | head -n1 || tail -c 200 "$STATE/probe.out"))"
  grep -q CapBnd /proc/self/status && log "capability bounding set $(awk '/CapBnd/ {print $2}' /proc/self/status) (CAP_SYS_RESOURCE is bit 24)"
  install -m 0755 "$KIND_DIR/runc-wrapper" "$WRAPPER"
  stop_dockerd
  start_dockerd --add-runtime "fauna-runc=$WRAPPER" --default-runtime fauna-runc
  privileged_probe || die "a privileged container still fails with the runtime wrapper: $(tail -c 400 "$STATE/probe.out")"
  log "privileged containers work through $WRAPPER (default runtime fauna-runc)"
}

down() {
  if ours_running; then stop_dockerd; else log "no dockerd started by this script is running: nothing to stop"; fi
}

status() {
  if ! engine_answers; then echo "no Docker engine answers"; return 1; fi
  local who="not started by this script"
  ours_running && who="started by hack/kind/engine.sh (PID $(cat "$PIDFILE"))"
  echo "Docker engine $(docker version --format '{{.Server.Version}}'), $who, default runtime $(docker info --format '{{.DefaultRuntime}}')"
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) die "usage: hack/kind/engine.sh up|down|status" ;;
esac

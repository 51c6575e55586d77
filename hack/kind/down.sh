#!/usr/bin/env bash
# Deletes the kind tier's cluster; images stay in Docker's cache for the next up.sh. `down.sh --engine` also stops
# the dockerd that hack/kind/engine.sh started (never an engine it did not start).
set -euo pipefail
source "$(dirname -- "${BASH_SOURCE[0]}")/env.sh"

if docker info >/dev/null 2>&1; then
  need_kind
  if cluster_exists; then
    kind delete cluster --name "$KIND_CLUSTER_NAME"
  else
    log "no kind cluster named $KIND_CLUSTER_NAME: nothing to delete"
  fi
else
  log "no Docker engine answers: no cluster to delete"
fi
if [[ "${1:-}" == --engine ]]; then bash "$KIND_DIR/engine.sh" down; fi

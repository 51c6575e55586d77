#!/usr/bin/env bash
# Deletes the kind tier's cluster (images stay in the local Docker cache for the next up.sh).
set -euo pipefail
source "$(dirname -- "${BASH_SOURCE[0]}")/env.sh"

need_docker
need_kind
if cluster_exists; then
  kind delete cluster --name "$KIND_CLUSTER_NAME"
else
  log "no kind cluster named $KIND_CLUSTER_NAME: nothing to delete"
fi

#!/usr/bin/env bash
# Brings up the kind tier for test/kind/: a kind cluster (hack/kind/cluster.yaml: 3 workers in zones a/b/c), the
# operator image (Dockerfile; also tagged as the simulator image), the FaunaDB image built from source
# (images/faunadb/Dockerfile; reused when present, it takes long), both loaded into the nodes, then
# `kubectl apply -f crds/ -f manifests/` and a wait for the operator Deployment.
# Re-running it reuses the cluster, rebuilds and reloads the operator image and restarts the operator.
# Env: KIND_CLUSTER_NAME (fauna-operator), KIND_NODE_IMAGE, KUBECTL, FAUNADB_REBUILD=1 (rebuild the FaunaDB image),
#      SKIP_FAUNADB_IMAGE=1 (do not build/load it, e.g. to try the simulator on kind).
set -euo pipefail
source "$(dirname -- "${BASH_SOURCE[0]}")/env.sh"

need_docker
need_kind
need_kubectl
cd "$REPO_ROOT"

OPERATOR_IMAGE="$(image_in manifests/30-deployment.yaml ghcr.io/fauna-operator/fauna-operator)"
SIMULATOR_IMAGE="ghcr.io/fauna-operator/faunadb-simulator:${OPERATOR_IMAGE##*:}"
FAUNADB_IMAGE="$(image_in manifests/samples/kind/cluster.yaml ghcr.io/fauna-operator/faunadb)"

reused=0
if cluster_exists; then
  log "cluster $KIND_CLUSTER_NAME exists: reusing it"
  reused=1
else
  log "creating cluster $KIND_CLUSTER_NAME (${KIND_NODE_IMAGE%@*})"
  kind create cluster --name "$KIND_CLUSTER_NAME" --image "$KIND_NODE_IMAGE" --config hack/kind/cluster.yaml --wait 180s
fi

log "building $OPERATOR_IMAGE (and $SIMULATOR_IMAGE)"
docker build -t "$OPERATOR_IMAGE" -t "$SIMULATOR_IMAGE" .
images=("$OPERATOR_IMAGE" "$SIMULATOR_IMAGE")

if [[ "${SKIP_FAUNADB_IMAGE:-0}" != 1 ]]; then
  if [[ "${FAUNADB_REBUILD:-0}" == 1 ]] || ! docker image inspect "$FAUNADB_IMAGE" >/dev/null 2>&1; then
    log "building $FAUNADB_IMAGE from source (sbt assembly; tens of minutes and ~8 GB of RAM the first time)"
    docker build -t "$FAUNADB_IMAGE" images/faunadb
  else
    log "$FAUNADB_IMAGE present: not rebuilding (FAUNADB_REBUILD=1 forces it)"
  fi
  images+=("$FAUNADB_IMAGE")
fi

for image in "${images[@]}"; do
  log "loading $image into the nodes"
  kind load docker-image --name "$KIND_CLUSTER_NAME" "$image"
done

log "installing the CRD and the operator"
kctl apply -f crds/ -f manifests/
kctl wait --for=condition=Established crd/faunaclusters.fauna-operator.io --timeout=60s
# Same tag, new image: the pods must be recreated to run it.
if [[ "$reused" == 1 ]]; then kctl -n fauna-operator-system rollout restart deployment/fauna-operator; fi
kctl -n fauna-operator-system rollout status deployment/fauna-operator --timeout=300s

log "ready: kubectl --context $KIND_CONTEXT get faunaclusters -A; run the suite with: node_modules/.bin/node --test test/kind/"

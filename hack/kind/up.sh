#!/usr/bin/env bash
# Brings up the kind tier for test/kind/ and `npm run harness -- --backend kind`:
#   1. a Docker engine (hack/kind/engine.sh: the one that answers, or dockerd started here);
#   2. every image, built locally with no registry and cached (hack/kind/images.sh: node image, Kubernetes images,
#      operator and simulator images);
#   3. the kind cluster `fauna-operator` (hack/kind/cluster.yaml: control plane + workers in zones a/b/c), or the
#      existing one;
#   4. the operator and simulator images (and the real FaunaDB image when present) loaded into the nodes;
#   5. on a cluster whose CNI is podnet (the local node image), the NetworkPolicy enforcer: the kube-router image
#      loaded too and its DaemonSet applied (hack/kind/kube-router.yaml), waited for on every node;
#   6. `kubectl apply -f crds/ -f manifests/` and a wait for the operator Deployment.
# Re-running it reuses the cluster, rebuilds what changed, reloads the images and restarts the operator.
# Env: KIND_CLUSTER_NAME (fauna-operator), KIND_NODE_IMAGE (default: the local build; kindest/node:v1.34.x on hosts
#      that can pull), KUBECTL, FAUNADB_IMAGE_BUILD=1 (build images/faunadb from source: needs GitHub, long).
set -euo pipefail
source "$(dirname -- "${BASH_SOURCE[0]}")/env.sh"

started=$SECONDS
bash "$KIND_DIR/engine.sh" up
need_docker
t=$SECONDS
bash "$KIND_DIR/images.sh" all
log "images: $((SECONDS - t)) s"
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
  log "creating cluster $KIND_CLUSTER_NAME from $KIND_NODE_IMAGE"
  t=$SECONDS
  kind create cluster --name "$KIND_CLUSTER_NAME" --image "$KIND_NODE_IMAGE" --config hack/kind/cluster.yaml --wait 300s
  log "kind create cluster: $((SECONDS - t)) s"
fi

images=("$OPERATOR_IMAGE" "$SIMULATOR_IMAGE")
if [[ "${FAUNADB_IMAGE_BUILD:-0}" == 1 ]] && ! docker image inspect "$FAUNADB_IMAGE" >/dev/null 2>&1; then
  log "building $FAUNADB_IMAGE from source (clones fauna/faunadb from GitHub; sbt assembly, tens of minutes, ~8 GB of RAM)"
  docker build -t "$FAUNADB_IMAGE" images/faunadb
fi
if docker image inspect "$FAUNADB_IMAGE" >/dev/null 2>&1; then
  images+=("$FAUNADB_IMAGE")
else
  log "$FAUNADB_IMAGE not present: the suite runs the simulator image (FAUNADB_IMAGE_BUILD=1 builds the real one)"
fi
# podnet enforces no NetworkPolicy: kube-router does, as kindnetd does on kind's own node image (which needs none).
netpol=0
if kctl -n kube-system get daemonset podnet >/dev/null 2>&1; then
  netpol=1
  docker image inspect "$KUBE_ROUTER_IMAGE" >/dev/null 2>&1 || die "$KUBE_ROUTER_IMAGE missing: hack/kind/images.sh builds it"
  images+=("$KUBE_ROUTER_IMAGE")
fi
t=$SECONDS
# One archive for all of them (the operator and simulator images share their layers); nodes that hold an image's ID
# already are skipped.
kind load docker-image --name "$KIND_CLUSTER_NAME" "${images[@]}" 2>&1 | sed 's/^/  /' >&2
log "images loaded into the nodes in $((SECONDS - t)) s"

if [[ "$netpol" == 1 ]]; then
  log "NetworkPolicy enforcer: kube-router $KUBE_ROUTER_VERSION, firewall only (hack/kind/kube-router.yaml)"
  t=$SECONDS
  kctl apply -f hack/kind/kube-router.yaml >/dev/null
  if [[ "$reused" == 1 ]]; then kctl -n kube-system rollout restart daemonset/kube-router >/dev/null; fi
  kctl -n kube-system rollout status daemonset/kube-router --timeout=300s
  log "kube-router running on every node after $((SECONDS - t)) s"
fi

log "installing the CRD and the operator"
kctl apply -f crds/ -f manifests/ >/dev/null
kctl wait --for=condition=Established crd/faunaclusters.fauna-operator.io --timeout=60s >/dev/null
# Same tag, maybe a new image: the pods must be recreated to run it.
if [[ "$reused" == 1 ]]; then kctl -n fauna-operator-system rollout restart deployment/fauna-operator >/dev/null; fi
kctl -n fauna-operator-system rollout status deployment/fauna-operator --timeout=300s
kctl get nodes -o wide
log "ready after $((SECONDS - started)) s: kubectl --context $KIND_CONTEXT get faunaclusters -A; run the suite with: npm run test:kind"

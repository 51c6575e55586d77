# Shared by hack/kind/up.sh and down.sh (sourced): names, pinned versions, tool checks with install hints.
# Overrides: KIND_CLUSTER_NAME, KIND_NODE_IMAGE, KUBECTL.

KIND_VERSION="v0.33.0"
# Kubernetes 1.34 like the local tier; kind's release notes list this digest among the images built for v0.33.0.
KIND_NODE_IMAGE="${KIND_NODE_IMAGE:-kindest/node:v1.34.11@sha256:44e222ee2132dab25ff87301682f89eb82c7880ea3a1bf543bfe9708fd08d67d}"
KIND_CLUSTER_NAME="${KIND_CLUSTER_NAME:-fauna-operator}"
KIND_CONTEXT="kind-${KIND_CLUSTER_NAME}"

REPO_ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)"

log() { printf '[kind %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[kind] error: %s\n' "$*" >&2; exit 1; }

need_docker() {
  command -v docker >/dev/null 2>&1 ||
    die "docker not found. Install Docker Engine (https://docs.docker.com/engine/install/) or Docker Desktop."
  docker info >/dev/null 2>&1 ||
    die "the Docker engine is not reachable ('docker info' fails). Start it (e.g. 'sudo systemctl start docker') and make sure this user may use it. Without Docker, use the local tier: npm run local:up."
}

need_kind() {
  command -v kind >/dev/null 2>&1 ||
    die "kind not found. Install it with 'go install sigs.k8s.io/kind@${KIND_VERSION}' (then add \$(go env GOPATH)/bin to PATH) or download https://kind.sigs.k8s.io/dl/${KIND_VERSION}/kind-linux-amd64."
  local have
  have="$(kind version 2>/dev/null | awk '{print $2}')"
  [[ "$have" == "$KIND_VERSION" ]] ||
    log "warning: kind ${have:-unknown} found, these scripts are tested with ${KIND_VERSION} (node image ${KIND_NODE_IMAGE%@*})"
}

# kubectl from PATH, else the one the local tier builds (npm run local:build), else a hint.
need_kubectl() {
  if [[ -n "${KUBECTL:-}" ]]; then
    [[ -x "$KUBECTL" ]] || die "KUBECTL=$KUBECTL is not executable"
  elif command -v kubectl >/dev/null 2>&1; then
    KUBECTL="$(command -v kubectl)"
  elif [[ -x "$HOME/.cache/fauna-operator/k8s-v1.34.4/kubectl" ]]; then
    KUBECTL="$HOME/.cache/fauna-operator/k8s-v1.34.4/kubectl"
  else
    die "kubectl not found. Install it (https://kubernetes.io/docs/tasks/tools/) or build the local tier's with: npm run local:build"
  fi
}

kctl() { "$KUBECTL" --context "$KIND_CONTEXT" "$@"; }

cluster_exists() { kind get clusters 2>/dev/null | grep -qx "$KIND_CLUSTER_NAME"; }

# The image a YAML file names on its first line matching `image: <repository>:...`: the manifests stay the one source.
image_in() {
  local file="$1" repository="$2" image
  image="$(grep -Eo "image: *${repository}:[^[:space:]\"']+" "$REPO_ROOT/$file" | head -n1 | sed -E 's/^image: *//')"
  [[ -n "$image" ]] || die "no image ${repository}:<tag> found in $file"
  printf '%s\n' "$image"
}

# Shared by the hack/kind/ scripts (sourced): names, pinned versions, caches, tool checks with install hints.
# Overrides: KIND_CLUSTER_NAME, KIND_NODE_IMAGE, KUBECTL, FAUNA_TIER_CACHE, KIND_CACHE.

# The last kind release that still runs on cgroup v1 hosts (it warns; see README "Kind tier").
KIND_VERSION="v0.33.0"
# Kubernetes of the node image: the local tier's version (hack/build-localtier.sh), kubelet 1.34 still runs on cgroup v1.
K8S_VERSION="1.34.4"
LOCAL_PATH_VERSION="v0.0.30"
# The NetworkPolicy enforcer of the kind tier's podnet clusters (hack/kind/kube-router.yaml), built by
# hack/kind/build-addons.sh from github.com/cloudnativelabs/kube-router/v2 and run firewall-only. Why kube-router:
# it enforces with iptables and ipset, which this project's kernels have, while kindnetd's enforcer
# (sigs.k8s.io/kube-network-policies v0.7.0/v0.8.0, the only releases the Go module proxy serves, both nftables
# `queue`) needs CONFIG_NFT_QUEUE, which they lack. Why v2.1.0: the only kube-router v2 version the Go module proxy
# serves (later tags answer 403); the advisories against it are for its BGP routing controller, which is not run.
KUBE_ROUTER_VERSION="v2.1.0"
KUBE_ROUTER_IMAGE="fauna-kind/kube-router:$KUBE_ROUTER_VERSION"
KIND_CLUSTER_NAME="${KIND_CLUSTER_NAME:-fauna-operator}"
KIND_CONTEXT="kind-${KIND_CLUSTER_NAME}"
# The node image hack/kind/images.sh builds (no registry needed). KIND_NODE_IMAGE=kindest/node:v1.34.x@sha256:...
# uses kind's published image instead, on hosts that can pull it.
KIND_NODE_IMAGE="${KIND_NODE_IMAGE:-fauna-kind/node:v${K8S_VERSION}}"

KIND_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd -- "$KIND_DIR/../.." && pwd)"
K8S_CACHE="${FAUNA_TIER_CACHE:-$HOME/.cache/fauna-operator/k8s-v$K8S_VERSION}"
KIND_CACHE="${KIND_CACHE:-$HOME/.cache/fauna-operator/kind-$KIND_VERSION}"
# kind and the addons built by hack/kind/build-addons.sh come first; kubectl from the local tier's cache last.
export PATH="$KIND_CACHE/bin:$PATH:$K8S_CACHE"

log() { printf '[kind %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[kind] error: %s\n' "$*" >&2; exit 1; }

need_docker() {
  command -v docker >/dev/null 2>&1 ||
    die "docker not found. Install Docker Engine (https://docs.docker.com/engine/install/) or, as root on Debian/Ubuntu, run hack/kind/engine.sh up."
  docker info >/dev/null 2>&1 ||
    die "the Docker engine is not reachable ('docker info' fails). Start it (hack/kind/engine.sh up starts one as root; or 'sudo systemctl start docker') and make sure this user may use it. Without Docker, use the local tier: npm run local:up."
}

need_kind() {
  command -v kind >/dev/null 2>&1 ||
    die "kind not found. Build it with hack/kind/build-addons.sh (go install sigs.k8s.io/kind@${KIND_VERSION} into $KIND_CACHE/bin) or download https://kind.sigs.k8s.io/dl/${KIND_VERSION}/kind-linux-amd64."
  local have
  have="$(kind version 2>/dev/null | awk '{print $2}')"
  [[ "$have" == "$KIND_VERSION" ]] ||
    log "warning: kind ${have:-unknown} found, these scripts are tested with ${KIND_VERSION}"
}

# kubectl from $KUBECTL, PATH (the local tier's cache is on it, see above), else a hint.
need_kubectl() {
  if [[ -n "${KUBECTL:-}" ]]; then
    [[ -x "$KUBECTL" ]] || die "KUBECTL=$KUBECTL is not executable"
  elif command -v kubectl >/dev/null 2>&1; then
    KUBECTL="$(command -v kubectl)"
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

# The images kubeadm of the node image asks for, one per line, and the versions of the addons built for them:
# COREDNS_VERSION (v1.12.1), ETCD_VERSION (v3.6.5, from the tag 3.6.5-0), PAUSE_VERSION (3.10.1).
kubeadm_images() {
  [[ -x "$K8S_CACHE/kubeadm" ]] || die "kubeadm not built: run hack/build-localtier.sh --kind"
  KUBEADM_IMAGES="$("$K8S_CACHE/kubeadm" config images list --kubernetes-version "v$K8S_VERSION" 2>/dev/null)"
  [[ -n "$KUBEADM_IMAGES" ]] || die "kubeadm config images list printed nothing"
  local tag_of
  tag_of() { grep -E "/$1:" <<<"$KUBEADM_IMAGES" | head -n1 | sed -E 's/.*://'; }
  COREDNS_VERSION="$(tag_of coredns)"
  ETCD_VERSION="v$(tag_of etcd | sed -E 's/-[0-9]+$//')"
  PAUSE_VERSION="$(tag_of pause)"
}

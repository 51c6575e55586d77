#!/usr/bin/env bash
# Builds what the kind tier needs besides the Kubernetes binaries (hack/build-localtier.sh --kind), from the Go module
# proxy and the k8s.io/kubernetes module, into $KIND_CACHE/bin (default ~/.cache/fauna-operator/kind-<kind version>):
#   kind                    sigs.k8s.io/kind at the pinned version
#   coredns                 github.com/coredns/coredns at the version kubeadm asks for, with images/coredns/main.go
#   etcd                    go.etcd.io/etcd/server/v3 at the version kubeadm asks for
#   local-path-provisioner  github.com/rancher/local-path-provisioner (the PVC provisioner of the node image)
#   pause                   build/pause/linux/pause.c of k8s.io/kubernetes, gcc -static
#   kube-router-<version>   github.com/cloudnativelabs/kube-router/v2 at KUBE_ROUTER_VERSION (env.sh says why that
#                           one), static: the kind tier's NetworkPolicy enforcer, run firewall-only
# The versions of coredns, etcd and pause come from `kubeadm config images list`, so the images made from them carry
# exactly the names kubeadm asks for. A second run finds the cache and returns at once.
set -euo pipefail
source "$(dirname -- "${BASH_SOURCE[0]}")/env.sh"

export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0
export GOMAXPROCS="${GOMAXPROCS:-2}"
BIN="$KIND_CACHE/bin"
mkdir -p "$BIN"
started=$SECONDS

have() { [[ -x "$BIN/$1" ]]; }
done_log() { log "$1 done ($((SECONDS - started)) s so far)"; }

# A throwaway module in $work/$1 requiring $2 (module@version); then `go build -o $BIN/$3 $4`.
build_in_module() {
  local dir="$work/$1" requirement="$2" out="$3" package="$4"
  mkdir -p "$dir" && cd "$dir"
  [[ -f go.mod ]] || go mod init "local/$1" >/dev/null 2>&1
  go get "$requirement" >/dev/null 2>&1 || die "go get $requirement failed (is the Go module proxy reachable?)"
  go build -trimpath -ldflags "-s -w" -o "$BIN/$out.tmp" "$package"
  mv "$BIN/$out.tmp" "$BIN/$out"
}

build_kind() {
  have kind && return 0
  log "kind $KIND_VERSION: go install sigs.k8s.io/kind@$KIND_VERSION"
  GOBIN="$BIN" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kind@$KIND_VERSION"
  done_log kind
}

build_coredns() {
  have coredns && return 0
  log "coredns $COREDNS_VERSION (the plugins kubeadm's Corefile uses)"
  mkdir -p "$work/coredns"
  cp "$REPO_ROOT/images/coredns/main.go" "$work/coredns/main.go"
  build_in_module coredns "github.com/coredns/coredns@$COREDNS_VERSION" coredns .
  done_log coredns
}

build_etcd() {
  have etcd && return 0
  log "etcd $ETCD_VERSION"
  build_in_module etcd "go.etcd.io/etcd/server/v3@$ETCD_VERSION" etcd go.etcd.io/etcd/server/v3
  done_log etcd
}

build_local_path() {
  have local-path-provisioner && return 0
  log "local-path-provisioner $LOCAL_PATH_VERSION"
  build_in_module local-path "github.com/rancher/local-path-provisioner@$LOCAL_PATH_VERSION" local-path-provisioner \
    github.com/rancher/local-path-provisioner
  done_log local-path-provisioner
}

build_pause() {
  have pause && return 0
  command -v gcc >/dev/null 2>&1 || die "gcc is needed for the pause image (apt-get install gcc libc6-dev)"
  local src
  src="$(go env GOMODCACHE)/k8s.io/kubernetes@v$K8S_VERSION/build/pause/linux/pause.c"
  [[ -f "$src" ]] || (cd "$work" && go mod download "k8s.io/kubernetes@v$K8S_VERSION" >/dev/null 2>&1) ||
    die "cannot download k8s.io/kubernetes@v$K8S_VERSION for pause.c"
  log "pause $PAUSE_VERSION from $src"
  gcc -Os -Wall -Werror -static -DVERSION="v$PAUSE_VERSION" -o "$BIN/pause.tmp" "$src"
  strip "$BIN/pause.tmp"
  mv "$BIN/pause.tmp" "$BIN/pause"
}

# Named with its version: the cache directory is kind's, and a new pin must not find the old binary.
KUBE_ROUTER_BIN="kube-router-$KUBE_ROUTER_VERSION"
build_kube_router() {
  have "$KUBE_ROUTER_BIN" && return 0
  log "kube-router $KUBE_ROUTER_VERSION: go install github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@$KUBE_ROUTER_VERSION"
  GOBIN="$work/kube-router" go install -trimpath \
    -ldflags "-s -w -X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=$KUBE_ROUTER_VERSION" \
    "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@$KUBE_ROUTER_VERSION"
  mv "$work/kube-router/kube-router" "$BIN/$KUBE_ROUTER_BIN"
  done_log kube-router
}

want=(kind coredns etcd local-path-provisioner pause "$KUBE_ROUTER_BIN")
missing=()
for b in "${want[@]}"; do have "$b" || missing+=("$b"); done
if [[ ${#missing[@]} -eq 0 ]]; then
  log "addons complete in $BIN"
  exit 0
fi
command -v go >/dev/null 2>&1 || die "Go is required: install Go >= 1.24"
kubeadm_images # sets COREDNS_VERSION ETCD_VERSION PAUSE_VERSION
log "missing: ${missing[*]} — building into $BIN (coredns $COREDNS_VERSION, etcd $ETCD_VERSION, pause $PAUSE_VERSION)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

build_kind
build_pause
build_etcd
build_local_path
build_coredns
build_kube_router
log "addons ready in $BIN after $((SECONDS - started)) s"

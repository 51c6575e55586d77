#!/usr/bin/env bash
# Builds the local tier's control-plane binaries from the Go module proxy and caches them outside the repo.
# Output: $FAUNA_TIER_CACHE (default ~/.cache/fauna-operator/k8s-v$K8S_VERSION) holding
#   kube-apiserver kube-controller-manager kube-scheduler kubectl etcd kwok
# `--kind` also builds the node binaries of the kind tier's node image (hack/kind/images.sh): kubelet kubeadm kube-proxy.
# Then hack/build-certmanager.sh: the cert-manager controller and its CRDs/RBAC, in a cache of their own.
# A second run finds the cache and exits in well under a second.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-1.34.4}"
ETCD_VERSION="${ETCD_VERSION:-3.6.16}"
KWOK_VERSION="${KWOK_VERSION:-0.8.0}"
KWOK_FALLBACK_VERSION="0.7.0"
CACHE="${FAUNA_TIER_CACHE:-$HOME/.cache/fauna-operator/k8s-v$K8S_VERSION}"
STAGING_VERSION="0.${K8S_VERSION#1.}"
K8S_MINOR="$(echo "$K8S_VERSION" | cut -d. -f2)"

export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0
# Two cores: one compile job at a time keeps the peak memory of the k8s build near 3 GB.
export GOMAXPROCS="${GOMAXPROCS:-2}"

log() { printf '[build-localtier %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
HACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cert_manager() { bash "$HACK_DIR/build-certmanager.sh" >/dev/null; }
have() { [[ -x "$CACHE/$1" ]]; }

K8S_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
[[ "${1:-}" == --kind ]] && K8S_BINARIES+=(kubelet kubeadm kube-proxy)

mkdir -p "$CACHE"
want=("${K8S_BINARIES[@]}" etcd kwok kwok-crds/logs.yaml)
missing=()
for b in "${want[@]}"; do [[ -e "$CACHE/$b" ]] || missing+=("$b"); done
if [[ ${#missing[@]} -eq 0 ]]; then
  log "cache complete at $CACHE"
  cert_manager
  echo "$CACHE"
  exit 0
fi
log "missing: ${missing[*]} — building into $CACHE (cold build takes 15-30 min on 2 cores)"
command -v go >/dev/null || { log "Go is required: install Go >= 1.26 (apt-get install golang or the official tarball)"; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
started=$SECONDS

build_kwok() {
  have kwok && return 0
  log "kwok v$KWOK_VERSION: go install sigs.k8s.io/kwok/cmd/kwok"
  if ! GOBIN="$work/kwokbin" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION"; then
    log "kwok v$KWOK_VERSION failed; falling back to v$KWOK_FALLBACK_VERSION"
    GOBIN="$work/kwokbin" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_FALLBACK_VERSION"
  fi
  install -m 0755 "$work/kwokbin/kwok" "$CACHE/kwok"
  log "kwok done ($((SECONDS - started)) s so far)"
}

# The tier serves kwok's Logs resource (kubectl logs of pod processes); its CRD ships in the kwok module.
copy_kwok_crds() {
  [[ -e "$CACHE/kwok-crds/logs.yaml" ]] && return 0
  local dir
  dir="$(go env GOMODCACHE)/sigs.k8s.io/kwok@v$KWOK_VERSION/kustomize/crd/bases"
  [[ -d "$dir" ]] || (cd "$work" && go mod download -x "sigs.k8s.io/kwok@v$KWOK_VERSION" >/dev/null 2>&1) || true
  [[ -d "$dir" ]] || dir="$(go env GOMODCACHE)/sigs.k8s.io/kwok@v$KWOK_FALLBACK_VERSION/kustomize/crd/bases"
  mkdir -p "$CACHE/kwok-crds"
  install -m 0644 "$dir/kwok.x-k8s.io_logs.yaml" "$CACHE/kwok-crds/logs.yaml"
}

build_etcd() {
  have etcd && return 0
  log "etcd v$ETCD_VERSION: throwaway module requiring go.etcd.io/etcd/server/v3"
  mkdir -p "$work/etcd" && cd "$work/etcd"
  go mod init local/etcdbuild >/dev/null 2>&1
  go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" >/dev/null 2>&1
  go build -trimpath -ldflags "-s -w" -o "$CACHE/etcd" go.etcd.io/etcd/server/v3
  log "etcd done ($((SECONDS - started)) s so far)"
}

build_k8s() {
  local need=0
  for b in "${K8S_BINARIES[@]}"; do have "$b" || need=1; done
  [[ $need -eq 0 ]] && return 0
  log "kubernetes v$K8S_VERSION: throwaway module; staging modules replaced by v$STAGING_VERSION"
  mkdir -p "$work/k8s" && cd "$work/k8s"
  go mod init local/k8sbuild >/dev/null 2>&1
  go mod edit -go=1.24.0
  local m
  for m in api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider \
    cluster-bootstrap code-generator component-base component-helpers controller-manager cri-api cri-client \
    csi-translation-lib dynamic-resource-allocation endpointslice externaljwt kms kube-aggregator \
    kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics mount-utils \
    pod-security-admission sample-apiserver; do
    go mod edit "-replace=k8s.io/$m=k8s.io/$m@v$STAGING_VERSION"
  done
  log "resolving modules (downloads ~1 GB the first time)"
  local packages=() b
  for b in "${K8S_BINARIES[@]}"; do packages+=("k8s.io/kubernetes/cmd/$b@v$K8S_VERSION"); done
  go get "${packages[@]}" >/dev/null 2>&1
  local ld="-s -w" p date
  date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  for p in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    ld="$ld -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$K8S_MINOR -X $p.gitTreeState=clean -X $p.buildDate=$date"
  done
  for b in "${K8S_BINARIES[@]}"; do
    have "$b" && continue
    log "compiling $b (the first one compiles the shared packages and takes longest)"
    go build -trimpath -ldflags "$ld" -o "$CACHE/$b.tmp" "k8s.io/kubernetes/cmd/$b"
    mv "$CACHE/$b.tmp" "$CACHE/$b"
    log "$b done ($((SECONDS - started)) s so far)"
  done
}

build_kwok
copy_kwok_crds
build_etcd
build_k8s
log "all binaries ready in $CACHE after $((SECONDS - started)) s"
printf '{"builtAt":"%s","seconds":%d,"k8s":"%s","etcd":"%s","kwok":"%s"}\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  "$((SECONDS - started))" "$K8S_VERSION" "$ETCD_VERSION" "$KWOK_VERSION" > "$CACHE/build-info.json"
cert_manager
echo "$CACHE"

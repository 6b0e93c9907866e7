#!/usr/bin/env bash
# The local lab: three storage nodes and a Prometheus server (labmon), systemd
# hosts on the test bed's network, built by playbooks/site.yml with
# inventories/lab.   usage: testbed/lab.sh up|down
set -euo pipefail
. "$(dirname "$0")/lib.sh"
peers=(lab1 lab2 lab3)
hosts=("${peers[@]}" labmon)

ipfs() { podman exec -i "pinfleet-$1" runuser -u ipfs -- env IPFS_PATH=/var/lib/ipfs ipfs "${@:2}"; }

up() {
  "$PINFLEET_ROOT/testbed/setup.sh"
  local image h
  image=$(image_name 12)
  for h in "${hosts[@]}"; do
    if [ "$(podman inspect -f '{{.State.Running}}' "pinfleet-$h" 2>/dev/null)" != true ]; then
      podman rm -f "pinfleet-$h" >/dev/null 2>&1 || true
      log "starting host $h"
      # SYS_ADMIN lets systemd sandbox the units as on a real host; NET_ADMIN is for nftables;
      # SYS_PTRACE lets root see which process holds a port (diagnose.yml), as on a real host.
      podman run -d --name "pinfleet-$h" --hostname "$h" --network "$PINFLEET_NETWORK" \
        --systemd=always --cap-add NET_ADMIN,SYS_ADMIN,SYS_PTRACE "$image" /sbin/init >/dev/null
    fi
  done
  for h in "${hosts[@]}"; do
    podman exec "pinfleet-$h" systemctl is-system-running --wait >/dev/null 2>&1 || true
  done
  mkdir -p "$PINFLEET_CACHE/lab"
  ansible-playbook -i "$PINFLEET_ROOT/inventories/lab" "$PINFLEET_ROOT/playbooks/site.yml"
  report
}

report() {
  local h text cid
  echo
  echo "== the lab network"
  for h in "${peers[@]}"; do
    echo "$h  $(ipfs "$h" id -f '<id>')"
    ipfs "$h" swarm peers | sed 's/^/    connected to /'
  done
  text="hello from lab1 at $(date -u +%FT%TZ)"
  cid=$(printf '%s' "$text" | ipfs lab1 add -Q)
  echo
  echo "== a file added on lab1: $cid"
  echo "   read back on lab3: $(ipfs lab3 --timeout=60s cat "$cid")"

  echo
  echo "== the cluster"
  podman exec pinfleet-lab1 ipfs-cluster-ctl peers ls | grep -E '^[^ ].*Sees' | sed 's/^/   /'
  text="pinned through the cluster at $(date -u +%FT%TZ)"
  printf '%s' "$text" | podman exec -i pinfleet-lab2 sh -c 'cat > /tmp/lab-demo.txt'
  cid=$(podman exec pinfleet-lab2 ipfs-cluster-ctl add -Q --name lab-demo /tmp/lab-demo.txt)
  echo "== a file added through the cluster on lab2: $cid"
  for _ in $(seq 60); do
    [ "$(podman exec pinfleet-lab1 ipfs-cluster-ctl status "$cid" | grep -c PINNED)" -eq "${#peers[@]}" ] && break
    sleep 1
  done
  podman exec pinfleet-lab1 ipfs-cluster-ctl status "$cid"

  local prometheus
  prometheus="http://$(podman inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' pinfleet-labmon):9090"
  echo
  echo "== Prometheus on labmon: $prometheus (alerts: $prometheus/alerts)"
  # Scraped every 30s: the first round may not have come yet.
  for _ in $(seq 45); do
    curl -fs "$prometheus/api/v1/targets?state=active" | python3 -c '
import json, sys
targets = [t for t in json.load(sys.stdin)["data"]["activeTargets"] if t["labels"]["job"].startswith("pinfleet-")]
sys.exit(0 if targets and all(t["health"] != "unknown" for t in targets) else 1)' && break
    sleep 2
  done
  curl -fs "$prometheus/api/v1/targets?state=active" | python3 -c '
import json, sys
for t in sorted(json.load(sys.stdin)["data"]["activeTargets"], key=lambda t: t["scrapeUrl"]):
    labels = t["labels"]
    if labels["job"].startswith("pinfleet-"):
        print("   %-6s %-13s %-5s %s" % (labels["peer"], labels["role"], t["health"], t["scrapeUrl"]))'
}

down() {
  local h
  for h in "${hosts[@]}"; do podman rm -f "pinfleet-$h" >/dev/null 2>&1 || true; done
  rm -rf "$PINFLEET_CACHE/lab"
  log "lab removed"
}

case ${1:-up} in
  up) up ;;
  down) down ;;
  *) die "usage: $0 up|down" ;;
esac

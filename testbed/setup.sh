#!/usr/bin/env bash
# Prepares this machine for the lab and the tests, idempotently:
# Debian packages, the Python tools, the host images, the release mirror,
# the container network and the firewall that confines it.
#
# PINFLEET_DISTS=all also fetches the older release pair for upgrade tests;
# PINFLEET_RELEASES names the Debian releases to build host images of beside
# 12 (the tests use "12 13").
set -euo pipefail
. "$(dirname "$0")/lib.sh"

packages=(podman runc debootstrap uidmap slirp4netns fuse-overlayfs nftables python3-venv curl openssh-client shellcheck)
missing=$(for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || echo "$p"
done)
if [ -n "$missing" ]; then
  log "installing Debian packages:" "$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq $missing >/dev/null
fi

mkdir -p "$PINFLEET_CACHE"
# virtualenv <folder> <requirements file>: made once per requirements (the folder's name is keyed by them).
virtualenv() {
  [ ! -e "$1/.complete" ] || return 0
  log "creating the virtualenv $1"
  rm -rf "$1"
  python3 -m venv "$1"
  "$1/bin/pip" install -q -r "$2" -c "$PINFLEET_ROOT/constraints.txt"
  touch "$1/.complete"
}
virtualenv "$PINFLEET_VENV" "$PINFLEET_ROOT/requirements-dev.txt"
# An operator's controller, for testbed/artifact.sh.
virtualenv "$PINFLEET_RUNTIME" "$PINFLEET_ROOT/requirements.txt"
# The same without netaddr: the checks must refuse it before any change.
grep -v '^netaddr' "$PINFLEET_ROOT/requirements.txt" >"$PINFLEET_CACHE/requirements-bare.txt"
virtualenv "$PINFLEET_BARE" "$PINFLEET_CACHE/requirements-bare.txt"

# The collections of requirements.yml and testbed/requirements.yml. This
# machine reaches no Galaxy server, so they are taken from the ansible package
# of the Python package index, which carries them (testbed/versions.yml says
# which release); the install from requirements.yml then finds each one there,
# which proves the version floors hold.
bundle=$(version pinfleet_test_collections_from)
if [ ! -e "$ANSIBLE_COLLECTIONS_PATH/.complete-$bundle" ]; then
  log "taking the collections from ansible $bundle"
  rm -rf "$ANSIBLE_COLLECTIONS_PATH" "$PINFLEET_CACHE/wheels"
  pip download -q --no-deps --only-binary :all: -d "$PINFLEET_CACHE/wheels" "ansible==$bundle"
  python3 "$PINFLEET_ROOT/testbed/bundled_collections.py" "$PINFLEET_CACHE/wheels/ansible-$bundle-py3-none-any.whl" \
    "$ANSIBLE_COLLECTIONS_PATH" "$PINFLEET_ROOT/requirements.yml" "$PINFLEET_ROOT/testbed/requirements.yml"
  for r in "$PINFLEET_ROOT/requirements.yml" "$PINFLEET_ROOT/testbed/requirements.yml"; do
    ansible-galaxy collection install --offline -r "$r" -p "$ANSIBLE_COLLECTIONS_PATH" >/dev/null
  done
  touch "$ANSIBLE_COLLECTIONS_PATH/.complete-$bundle"
fi
# The controller's SSH key: the scenarios' hosts let it in (mounted as root's
# authorized_keys) and are reached over SSH, as an operator's controller
# reaches servers.
if [ ! -e "$PINFLEET_CACHE/ssh/id_ed25519" ]; then
  mkdir -p "$PINFLEET_CACHE/ssh"
  chmod 0700 "$PINFLEET_CACHE/ssh"
  ssh-keygen -q -t ed25519 -N '' -C pinfleet-testbed -f "$PINFLEET_CACHE/ssh/id_ed25519"
fi
mkdir -p "$ANSIBLE_COLLECTIONS_PATH/ansible_collections/pinfleet"
ln -sfn "$PINFLEET_ROOT" "$ANSIBLE_COLLECTIONS_PATH/ansible_collections/pinfleet/ipfs"

# The host images build while the release archives do: debootstrap mostly
# waits on the package mirror, the Go builds on the processors.
image_pids=()
# Debian 12's always: the lab and the release mirror run on it.
# shellcheck disable=SC2086
for release in $(printf '%s\n' 12 ${PINFLEET_RELEASES:-} | sort -u); do
  "$PINFLEET_ROOT/testbed/image.sh" "$release" >/dev/null &
  image_pids+=($!)
done
"$PINFLEET_ROOT/testbed/dist.sh" "${PINFLEET_DISTS:-new}"
for pid in "${image_pids[@]}"; do wait "$pid" || die "a host image failed to build (above)"; done
image=$(image_name 12)

# Every host's systemd takes inotify instances, all of them root's: the
# default of 128 runs out at about 20 hosts, and the next one's systemd exits with
# "Failed to allocate manager object: Too many open files".
if [ "$(sysctl -n fs.inotify.max_user_instances)" -lt 1024 ]; then
  sysctl -qw fs.inotify.max_user_instances=1024 ||
    log "warning: fs.inotify.max_user_instances stays below 1024: more than about 20 hosts will not boot"
fi

if ! podman network exists "$PINFLEET_NETWORK"; then
  podman network create --subnet "$PINFLEET_SUBNET" "$PINFLEET_NETWORK" >/dev/null
fi

# Confinement: traffic forwarded from the test network may reach the test
# network and Debian's package mirror, nothing else. Rebuilt on every run
# because the mirror's addresses can change.
sources=$(ls /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null || true)
# shellcheck disable=SC2086
mirrors=$(grep -hv '^ *#' $sources | grep -oE 'https?://[^/ ]+' | sed 's|.*://||' | sort -u)
addrs=$(for h in $mirrors; do getent ahostsv4 "$h" | awk '{print $1}'; done | sort -u | paste -sd, -)
allow_mirror=""
[ -z "$addrs" ] || allow_mirror="ip saddr $PINFLEET_SUBNET ip daddr { $addrs } tcp dport { 80, 443 } accept"
nft -f - <<NFT
table inet pinfleet_testbed
delete table inet pinfleet_testbed
table inet pinfleet_testbed {
  chain forward {
    type filter hook forward priority -10; policy accept;
    ip saddr $PINFLEET_SUBNET ip daddr $PINFLEET_SUBNET accept
    ip saddr $PINFLEET_SUBNET ct state established,related accept
    $allow_mirror
    ip saddr $PINFLEET_SUBNET drop
    ip daddr $PINFLEET_SUBNET ct state established,related accept
    ip daddr $PINFLEET_SUBNET drop
  }
}
NFT

# The release mirror: a container on the test network serving the cache's
# mirror folder read-only at $PINFLEET_MIRROR_URL.
# It is checked by a real request: a container left over from an interrupted
# run can look alive and serve nothing.
mirror_answers() {
  for _ in $(seq 20); do
    curl -fs -o /dev/null --max-time 2 "$PINFLEET_MIRROR_URL/" && return 0
    sleep 0.5
  done
  return 1
}
serving=$(podman inspect -f '{{.State.Running}} {{range .Mounts}}{{.Source}}{{end}}' "$PINFLEET_MIRROR" 2>/dev/null || true)
if [ "$serving" != "true $PINFLEET_CACHE/mirror" ] || ! mirror_answers; then
  log "starting the release mirror"
  podman rm -f "$PINFLEET_MIRROR" >/dev/null 2>&1 || true
  podman run -d --name "$PINFLEET_MIRROR" --network "$PINFLEET_NETWORK" --ip 10.89.0.2 \
    -v "$PINFLEET_CACHE/mirror:/srv/mirror:ro" "$image" \
    python3 -m http.server -d /srv/mirror 8080 >/dev/null
  mirror_answers || die "the release mirror does not answer at $PINFLEET_MIRROR_URL; see: podman logs $PINFLEET_MIRROR"
fi
log "test bed ready (image $image, mirror $PINFLEET_MIRROR_URL)"

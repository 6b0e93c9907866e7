# Shared settings and helpers for the test bed scripts (sourced, not run).
# shellcheck shell=bash
PINFLEET_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PINFLEET_CACHE=${PINFLEET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pinfleet}
# The virtualenv is keyed by the requirements, so a change rebuilds it.
PINFLEET_VENV="$PINFLEET_CACHE/venv-$(cat "$PINFLEET_ROOT"/requirements*.txt "$PINFLEET_ROOT/constraints.txt" | sha256sum | cut -c1-12)"
# An operator's controller: requirements.txt alone (testbed/artifact.sh).
PINFLEET_RUNTIME="$PINFLEET_CACHE/runtime-$(cat "$PINFLEET_ROOT/requirements.txt" "$PINFLEET_ROOT/constraints.txt" | sha256sum | cut -c1-12)"
# A controller that lacks netaddr, which the checks must refuse (molecule/composite).
PINFLEET_BARE="$PINFLEET_CACHE/bare-$(cat "$PINFLEET_ROOT/requirements.txt" "$PINFLEET_ROOT/constraints.txt" | sha256sum | cut -c1-12)"
PINFLEET_NETWORK=pinfleet
PINFLEET_SUBNET=10.89.0.0/24
PINFLEET_MIRROR=pinfleet-mirror
# The mirror has a fixed address so the controller and the hosts reach it alike.
PINFLEET_MIRROR_URL=http://10.89.0.2:8080
CONTAINERS_CONF="$PINFLEET_ROOT/testbed/containers.conf"
# The collection is found as pinfleet.ipfs through a link to this checkout,
# beside the collections it uses and the test bed's own (testbed/setup.sh).
ANSIBLE_COLLECTIONS_PATH="$PINFLEET_CACHE/collections"
ANSIBLE_CONFIG="$PINFLEET_ROOT/testbed/ansible.cfg"
PATH="$PINFLEET_VENV/bin:$PATH"
export PINFLEET_ROOT PINFLEET_CACHE PINFLEET_VENV PINFLEET_RUNTIME PINFLEET_BARE PINFLEET_NETWORK PINFLEET_SUBNET PINFLEET_MIRROR PINFLEET_MIRROR_URL \
  CONTAINERS_CONF ANSIBLE_COLLECTIONS_PATH ANSIBLE_CONFIG PATH

# Seconds since the outermost script started, shown in every log line.
PINFLEET_T0=${PINFLEET_T0:-$(date +%s)}
export PINFLEET_T0
log() { printf '[pinfleet %4ss] %s\n' "$(($(date +%s) - PINFLEET_T0))" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# version <key>: read one entry of testbed/versions.yml.
version() {
  sed -n "s/^$1: *//p" "$PINFLEET_ROOT/testbed/versions.yml"
}

# image_name <release>: the Debian <release> host image, tagged by the
# release and a digest of the recipe that builds it (testbed/image.sh).
image_name() {
  echo "localhost/pinfleet-debian:$1-$(sha256sum <"$PINFLEET_ROOT/testbed/image.sh" | cut -c1-12)"
}

#!/usr/bin/env bash
# Runs a playbook of pinfleet.ipfs as an operator who installed it from its
# Galaxy artifact does: the artifact built from this tree and installed with
# ansible-galaxy into an empty collections path, beside the collections it
# declares and no other, then run by its FQCN from a controller that has
# requirements.txt only (or the Python of PINFLEET_CONTROLLER, a virtualenv).
# usage: testbed/artifact.sh <ansible-playbook args>
set -euo pipefail
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d "$PINFLEET_CACHE/artifact.XXXXXX")
trap 'rm -rf "$work"' EXIT
ansible-galaxy collection build --output-path "$work" "$PINFLEET_ROOT" >/dev/null
artifact=$(echo "$work"/pinfleet-ipfs-*.tar.gz)
controller=${PINFLEET_CONTROLLER:-$PINFLEET_RUNTIME}
galaxy() { ANSIBLE_COLLECTIONS_PATH="$work/collections" "$controller/bin/ansible-galaxy" collection install --offline "$@"; }
# No Galaxy server answers here: the declared collections come from the
# copies the test bed installed (testbed/setup.sh); the artifact's install
# then resolves its dependencies against them, and fails on one it lacks.
for c in $(python3 -c 'import sys, yaml; print(*(c["name"] for c in yaml.safe_load(open(sys.argv[1]))["collections"]))' \
  "$PINFLEET_ROOT/requirements.yml"); do
  galaxy "$ANSIBLE_COLLECTIONS_PATH/ansible_collections/${c/.//}" >/dev/null
done
galaxy "$artifact" >/dev/null
log "running $(basename "$artifact") as installed, with $(basename "$controller")"
ANSIBLE_COLLECTIONS_PATH="$work/collections" "$controller/bin/ansible-playbook" "$@"

#!/usr/bin/env bash
# The whole test suite: lint, unit tests, then the molecule scenarios on real
# systemd hosts with real binaries.  usage: testbed/test.sh [scenario...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
"$PINFLEET_ROOT/testbed/setup.sh"

PINFLEET_IMAGE=$(cat "$PINFLEET_CACHE/image")
PINFLEET_KUBO_VERSION=$(version pinfleet_test_kubo_version)
PINFLEET_CLUSTER_VERSION=$(version pinfleet_test_cluster_version)
export PINFLEET_IMAGE PINFLEET_KUBO_VERSION PINFLEET_CLUSTER_VERSION
cd "$PINFLEET_ROOT"

if [ $# -eq 0 ]; then
  log "lint"
  yamllint -s .
  ruff check plugins tests molecule
  # ansible-lint installs the collection it lints: keep that copy in the cache.
  ANSIBLE_HOME="$PINFLEET_CACHE/lint-home" ansible-lint --profile production
  log "unit tests"
  python -m pytest -q -p no:cacheprovider tests/unit
  set -- $(cd molecule && ls -d */molecule.yml | cut -d/ -f1)
fi
for scenario in "$@"; do
  log "molecule scenario $scenario"
  molecule test -s "$scenario"
done
log "the whole suite passed"

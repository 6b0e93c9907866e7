#!/usr/bin/env bash
# The whole test suite: lint, unit tests, then the molecule scenarios on real
# systemd hosts with real binaries.  usage: testbed/test.sh [scenario...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# The upgrade scenario also needs the older release pair.
PINFLEET_DISTS=${PINFLEET_DISTS:-all} "$PINFLEET_ROOT/testbed/setup.sh"

PINFLEET_IMAGE=$(cat "$PINFLEET_CACHE/image")
PINFLEET_KUBO_VERSION=$(version pinfleet_test_kubo_version)
PINFLEET_CLUSTER_VERSION=$(version pinfleet_test_cluster_version)
PINFLEET_KUBO_OLD_VERSION=$(version pinfleet_test_kubo_old_version)
PINFLEET_CLUSTER_OLD_VERSION=$(version pinfleet_test_cluster_old_version)
export PINFLEET_IMAGE PINFLEET_KUBO_VERSION PINFLEET_CLUSTER_VERSION PINFLEET_KUBO_OLD_VERSION PINFLEET_CLUSTER_OLD_VERSION
cd "$PINFLEET_ROOT"

if [ $# -eq 0 ]; then
  log "lint"
  yamllint -s .
  ruff check plugins tests molecule testbed
  # ansible-lint installs the collection it lints: keep that copy in the cache.
  ANSIBLE_HOME="$PINFLEET_CACHE/lint-home" ansible-lint --profile production
  log "unit tests"
  python -m pytest -q -p no:cacheprovider tests/unit
  set -- $(cd molecule && ls -d */molecule.yml | cut -d/ -f1)
fi
mkdir -p "$PINFLEET_CACHE/logs"
for scenario in "$@"; do
  log "molecule scenario $scenario"
  scenario_log="$PINFLEET_CACHE/logs/$scenario.log"
  if ! molecule test -s "$scenario" 2>&1 | tee "$scenario_log"; then
    # The failing tasks, last, where a truncated log still shows them.
    log "scenario $scenario failed; its failing tasks (whole log: $scenario_log):"
    sed 's/\x1b\[[0-9;]*m//g' "$scenario_log" | grep -E -A4 'fatal: \[|failed: \[|^\s*│?\s*E  ' | cut -c1-300 | tail -40 >&2 || true
    die "scenario $scenario failed"
  fi
done
log "the whole suite passed"

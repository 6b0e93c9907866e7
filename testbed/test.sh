#!/usr/bin/env bash
# The whole test suite: lint, unit tests and ansible-test beside the molecule
# scenarios on real systemd hosts with real binaries.
# usage: testbed/test.sh [scenario...] (with names: those scenarios only)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# The upgrade scenarios also need the older release pair; the scenarios run
# Debian 12 and Debian 13 hosts.
PINFLEET_DISTS=${PINFLEET_DISTS:-all} PINFLEET_RELEASES="12 13" "$PINFLEET_ROOT/testbed/setup.sh"

PINFLEET_IMAGE_DEBIAN12=$(image_name 12)
PINFLEET_IMAGE_DEBIAN13=$(image_name 13)
PINFLEET_KUBO_VERSION=$(version pinfleet_test_kubo_version)
PINFLEET_CLUSTER_VERSION=$(version pinfleet_test_cluster_version)
PINFLEET_KUBO_OLD_VERSION=$(version pinfleet_test_kubo_old_version)
PINFLEET_CLUSTER_OLD_VERSION=$(version pinfleet_test_cluster_old_version)
export PINFLEET_IMAGE_DEBIAN12 PINFLEET_IMAGE_DEBIAN13 PINFLEET_KUBO_VERSION PINFLEET_CLUSTER_VERSION PINFLEET_KUBO_OLD_VERSION PINFLEET_CLUSTER_OLD_VERSION
cd "$PINFLEET_ROOT"

mkdir -p "$PINFLEET_CACHE/logs"

# checks: lint, unit tests, the artifact and the execution environment's
# build context (tests/artifact), ansible-test. They keep the processors busy
# while the scenarios mostly wait on daemons, so they run beside the
# scenarios, their output in their own log.
checks() {
  log "lint"
  yamllint -s .
  ruff check plugins roles tests molecule testbed
  # ansible-test's shellcheck sees the installed collection, which holds no script of the test bed's.
  shellcheck -e SC1091 testbed/*.sh
  # ansible-lint installs the collection it lints: keep that copy in the cache.
  ANSIBLE_HOME="$PINFLEET_CACHE/lint-home" ansible-lint --profile production
  log "unit tests, what the Galaxy artifact holds, and the execution environment's build context"
  python -m pytest -q -p no:cacheprovider tests/unit tests/artifact
  log "ansible-test sanity (on the installed artifact) and units"
  "$PINFLEET_ROOT/testbed/sanity.sh"
}
checks_pid=""
if [ $# -eq 0 ]; then
  checks_log="$PINFLEET_CACHE/logs/checks.log"
  log "lint, unit tests, ansible-test (log: $checks_log)"
  # Niced: the scenarios, whose checks time the daemons, come first.
  (renice -n 10 -p "$BASHPID" >/dev/null; set -e; checks) >"$checks_log" 2>&1 &
  checks_pid=$!
  for scenario_file in molecule/*/molecule.yml; do
    scenario_dir=${scenario_file%/molecule.yml}
    set -- "$@" "${scenario_dir#molecule/}"
  done
fi

# scenario <name>: run one molecule scenario, its output in its own log; on a
# failure, show its failing tasks, where a truncated output still shows them.
scenario() {
  local scenario_log="$PINFLEET_CACHE/logs/$1.log" start=$SECONDS
  log "molecule scenario $1 (log: $scenario_log)"
  if ! molecule test -s "$1" >"$scenario_log" 2>&1; then
    log "scenario $1 failed after $((SECONDS - start))s; its failing tasks:"
    sed 's/\x1b\[[0-9;]*m//g' "$scenario_log" | grep -E -A4 'fatal: \[|failed: \[|^\s*│?\s*E  |Idempotence test failed' | cut -c1-300 | tail -40 >&2 || true
    return 1
  fi
  echo $((SECONDS - start)) >"$PINFLEET_CACHE/logs/$1.seconds"
  log "scenario $1 passed in $((SECONDS - start))s"
}

# The scenarios run in two lanes side by side, split so that the longer lane
# is as short as it can be (every split is tried), by the durations of the
# last runs here, else by those measured on a 2-core machine
# (testbed/scenario-seconds), else 10 minutes. Each lane runs its longest first.
seconds() {
  local n=""
  read -r n 2>/dev/null <"$PINFLEET_CACHE/logs/$1.seconds" || true
  [[ $n =~ ^[0-9]+$ ]] || n=$(sed -n "s/^$1 \([0-9]*\)$/\1/p" "$PINFLEET_ROOT/testbed/scenario-seconds")
  echo "${n:-600}"
}
names=() took=()
for s in $(for name in "$@"; do echo "$(seconds "$name") $name"; done | sort -rn | cut -d' ' -f2); do
  names+=("$s") took+=("$(seconds "$s")")
done
best=-1 split=0
for ((mask = 0; mask < 1 << ${#names[@]}; mask++)); do
  load=(0 0)
  for i in "${!names[@]}"; do load[mask >> i & 1]=$(( load[mask >> i & 1] + took[i] )); done
  longer=$(( load[0] > load[1] ? load[0] : load[1] ))
  if (( best < 0 || longer < best )); then best=$longer split=$mask; fi
done
lanes=("" "")
for i in "${!names[@]}"; do lanes[split >> i & 1]+=" ${names[i]}"; done
pids=()
for lane in "${lanes[@]}"; do
  [ -n "$lane" ] || continue
  # A failed scenario does not stop the others: every failure shows in one run.
  ( rc=0; for s in $lane; do scenario "$s" || rc=1; done; exit $rc ) &
  pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
if [ -n "$checks_pid" ]; then
  if wait "$checks_pid"; then
    log "lint, unit tests and ansible-test passed"
  else
    log "lint, unit tests or ansible-test failed; the end of $checks_log:"
    tail -40 "$checks_log" >&2
    failed=1
  fi
fi
[ "$failed" = 0 ] || die "the suite failed (above: what failed)"
log "the whole suite passed"

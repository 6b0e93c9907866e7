#!/usr/bin/env bash
# Measures playbooks/upgrade.yml on three local hosts: for stop_all and for
# rolling, from the older to the newer versions of testbed/versions.yml, how
# long the cluster's REST API was unavailable and how long the upgrade took.
# Prints a table and writes it to $PINFLEET_CACHE/bench/upgrade.txt.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
PINFLEET_DISTS=all "$PINFLEET_ROOT/testbed/setup.sh"
PINFLEET_IMAGE=$(image_name 12)
export PINFLEET_IMAGE
exec python3 "$PINFLEET_ROOT/testbed/bench_upgrade.py"

#!/usr/bin/env bash
# Measures playbooks/site.yml and playbooks/remove.yml as the network grows:
# a cold and a no-change converge of 3, 10 and 20 peers (PINFLEET_BENCH_SIZES),
# each then grown by one peer and shrunk again, counting the running peers'
# restarts and a pinning client's failed requests (testbed/bench_scale.py).
# Prints a table and writes it to $PINFLEET_CACHE/bench/scale.txt
# (scale-list.txt with PINFLEET_BENCH_TRUST=list).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
"$PINFLEET_ROOT/testbed/setup.sh"
PINFLEET_IMAGE=$(image_name 12)
export PINFLEET_IMAGE
exec python3 "$PINFLEET_ROOT/testbed/bench_scale.py"

#!/usr/bin/env bash
# ansible-test's sanity tests and unit tests of the collection, on Python 3.11.
# usage: testbed/sanity.sh [ansible-test option...]
#   PINFLEET_ANSIBLE_TEST=sanity testbed/sanity.sh --test pylint   (one of them, one test)
#
# ansible-test wants the collection at .../ansible_collections/pinfleet/ipfs,
# a real folder, beside the collections galaxy.yml declares. The sanity tests
# run on the collection as an operator installs it: the artifact built from
# the checkout and installed with ansible-galaxy (it ships what they need,
# tests/sanity/). The unit tests, which the artifact does not ship, run on a
# copy of the checkout's files (tracked ones and new ones not ignored, as git
# lists them; not the deleted ones), in a tree of their own.
#
# --venv: ansible-test makes its own virtualenvs and pip-installs its pinned
# test requirements into them (from the package index), so the results do not
# depend on the tools of the test bed's virtualenv. The sanity tests' ones are
# kept (in $PINFLEET_CACHE/ansible-test), so only the first run pays for them:
# about two minutes cold, one minute after that, on two cores.
# No test is skipped. shellcheck runs where the program is installed; where
# it is not, ansible-test skips it with a warning.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

command -v ansible-test >/dev/null || die "no ansible-test on PATH: run testbed/setup.sh first"
python=3.11

work=$(mktemp -d "${TMPDIR:-/tmp}/pinfleet-sanity.XXXXXX")
trap 'rm -rf "$work"' EXIT
tree="$work/checkout/ansible_collections/pinfleet/ipfs"
installed="$work/installed/ansible_collections/pinfleet/ipfs"
mkdir -p "$tree"

log "copying the collection to $tree"
git -C "$PINFLEET_ROOT" ls-files -z -co --exclude-standard |
  (cd "$PINFLEET_ROOT" && while IFS= read -r -d '' f; do
    # A deleted file is still in the index until its deletion is committed.
    if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
  done) |
  tar -C "$PINFLEET_ROOT" --null --no-recursion -T - -cf - | tar -C "$tree" -xf -

log "installing the collection's artifact to $installed"
ansible-galaxy collection build --output-path "$work" "$tree" >/dev/null
ANSIBLE_COLLECTIONS_PATH="$work/installed" ansible-galaxy collection install --no-deps --force -p "$work/installed" \
  "$work"/pinfleet-ipfs-*.tar.gz >/dev/null

# The collections galaxy.yml depends on, linked in beside pinfleet.ipfs, where
# ansible-test looks for them: the first copy found in ANSIBLE_COLLECTIONS_PATH
# (testbed/setup.sh installs them there), else in the Python packages (the
# ansible package carries them).
deps=$(python3 -c '
import sys, yaml
print(" ".join(yaml.safe_load(open(sys.argv[1])).get("dependencies") or {}))' "$tree/galaxy.yml")
search=$(IFS=:; for d in ${ANSIBLE_COLLECTIONS_PATH:-}; do echo "$d"; done
  python3 -c 'import sys; print("\n".join(p for p in sys.path if p))')
for dep in $deps; do
  namespace=${dep%%.*} name=${dep#*.}
  found=""
  while IFS= read -r dir; do
    # A path may name the folder that holds ansible_collections, or that folder itself, as Ansible takes both.
    [ "$(basename "$dir")" = ansible_collections ] || dir="$dir/ansible_collections"
    if [ -e "$dir/$namespace/$name/MANIFEST.json" ] || [ -e "$dir/$namespace/$name/galaxy.yml" ]; then
      found="$dir/$namespace/$name"
      break
    fi
  done <<<"$search"
  [ -n "$found" ] || die "collection $dep (a dependency in galaxy.yml) is in none of: ${search//$'\n'/ }"
  for root in "$work/checkout" "$work/installed"; do
    mkdir -p "$root/ansible_collections/$namespace"
    ln -s "$(realpath "$found")" "$root/ansible_collections/$namespace/$name"
  done
  log "dependency $dep: $found"
done

# ansible-test starts each virtualenv it makes by running a get-pip.py that
# it downloads from a server of its own, which this machine cannot reach. Its
# home is moved into the cache and given a stand-in that does the same from
# the package index: pip from the interpreter's ensurepip, then the pip that
# ansible-test asks for. (A real get-pip.py put there is used as it is.)
test_home="$PINFLEET_CACHE/ansible-test"
pip_version=$(python3 -c '
import types
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(types.SimpleNamespace(version="'"$python"'"))["pip"])')
get_pip="$test_home/.ansible/test/cache/get_pip_${pip_version//./_}.py"
if [ ! -e "$get_pip" ]; then
  mkdir -p "$(dirname "$get_pip")"
  cat >"$get_pip.new" <<'PY'
"""Stand-in for get-pip.py, written by pinfleet's testbed/sanity.sh.

Takes get-pip.py's arguments (pip's install options and packages, and its own
--no-setuptools and --no-wheel): installs the interpreter's bundled pip with
ensurepip, then the packages asked for with it, from the package index.
"""
import subprocess
import sys

own = {"--no-setuptools", "--no-wheel"}
args = [a for a in sys.argv[1:] if a not in own]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"], stdout=subprocess.DEVNULL)
subprocess.check_call([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "-q", *args])
if "--no-setuptools" in sys.argv:
    subprocess.check_call([sys.executable, "-m", "pip", "uninstall", "-q", "-y", "setuptools"])
PY
  mv "$get_pip.new" "$get_pip"
fi
# pip keeps its cache where it had it.
export PIP_CACHE_DIR=${PIP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pip}
export HOME="$test_home"

failed=""
for command in ${PINFLEET_ANSIBLE_TEST:-sanity units}; do
  if [ "$command" = sanity ]; then cd "$installed"; else cd "$tree"; fi
  log "ansible-test $command (Python $python) in $PWD"
  ansible-test "$command" --venv --python "$python" --color no "$@" || failed+=" $command"
done
[ -z "$failed" ] || die "ansible-test failed:$failed"
log "ansible-test ${PINFLEET_ANSIBLE_TEST:-sanity units}: passed"

#!/usr/bin/env bash
# ansible-test's sanity tests and unit tests of the collection, on Python 3.11.
# usage: testbed/sanity.sh [ansible-test option...]   (e.g. --test pylint)
#
# ansible-test wants the collection at .../ansible_collections/pinfleet/ipfs,
# a real folder, so the checkout's files (tracked ones and new ones not
# ignored, as git lists them; not the deleted ones) are copied into a fresh
# temporary tree, beside the collections galaxy.yml declares, taken from
# ANSIBLE_COLLECTIONS_PATH (or, failing that, from the Python packages).
#
# --venv: ansible-test makes its own virtualenvs and pip-installs its pinned
# test requirements into them (from the package index). The sanity tests'
# ones are kept in ~/.ansible/test/venv, so only the first run pays for them.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

command -v ansible-test >/dev/null || die "no ansible-test on PATH: run testbed/setup.sh first"
python=3.11

work=$(mktemp -d "${TMPDIR:-/tmp}/pinfleet-sanity.XXXXXX")
trap 'rm -rf "$work"' EXIT
tree="$work/ansible_collections/pinfleet/ipfs"
mkdir -p "$tree"

log "copying the collection to $tree"
git -C "$PINFLEET_ROOT" ls-files -z -co --exclude-standard |
  (cd "$PINFLEET_ROOT" && while IFS= read -r -d '' f; do
    # A deleted file is still in the index until its deletion is committed.
    if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
  done) |
  tar -C "$PINFLEET_ROOT" --null --no-recursion -T - -cf - | tar -C "$tree" -xf -

# The collections galaxy.yml depends on, linked in beside pinfleet.ipfs, where
# ansible-test looks for them.
deps=$(python3 -c '
import sys, yaml
print(" ".join(yaml.safe_load(open(sys.argv[1])).get("dependencies") or {}))' "$tree/galaxy.yml")
search=$(IFS=:; for d in ${ANSIBLE_COLLECTIONS_PATH:-}; do echo "$d"; done
  python3 -c 'import sys; print("\n".join(p for p in sys.path if p))')
for dep in $deps; do
  namespace=${dep%%.*} name=${dep#*.}
  found=""
  while IFS= read -r dir; do
    if [ -e "$dir/ansible_collections/$namespace/$name/MANIFEST.json" ] ||
       [ -e "$dir/ansible_collections/$namespace/$name/galaxy.yml" ]; then
      found="$dir/ansible_collections/$namespace/$name"
      break
    fi
  done <<<"$search"
  [ -n "$found" ] || die "collection $dep (a dependency in galaxy.yml) is in none of: $(echo $search)"
  mkdir -p "$work/ansible_collections/$namespace"
  ln -s "$(realpath "$found")" "$work/ansible_collections/$namespace/$name"
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

cd "$tree"
failed=""
log "ansible-test sanity (Python $python)"
ansible-test sanity --venv --python "$python" --color no "$@" || failed+=" sanity"
log "ansible-test units (Python $python)"
ansible-test units --venv --python "$python" --color no "$@" || failed+=" units"
[ -z "$failed" ] || die "ansible-test failed:$failed"
log "ansible-test sanity and units passed"

"""Make the collection importable as ansible_collections.pinfleet.ipfs, and run modules in tests.

Under ansible-test units the collection already sits at
.../ansible_collections/pinfleet/ipfs and ansible-test imports it from there.
A checkout elsewhere (python -m pytest tests/unit, from the checkout) is
imported through a link to it in tests/output/collections.
"""

import os
import sys
import tarfile
from pathlib import Path

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

_root = Path(__file__).resolve().parents[2]
if _root.parent.name == "pinfleet" and _root.parents[1].name == "ansible_collections":
    _base = _root.parents[2]
else:
    _link = _root / "tests" / "output" / "collections" / "ansible_collections" / "pinfleet" / "ipfs"
    if _link.is_symlink() and _link.resolve() != _root:
        _link.unlink()  # a link left by a checkout that has moved
    if not _link.exists():
        _link.parent.mkdir(parents=True, exist_ok=True)
        _link.symlink_to(_root)
    _base = _link.parents[2]
if str(_base) not in sys.path:
    sys.path.insert(0, str(_base))


class _Exit(Exception):
    pass


@pytest.fixture
def run_module(monkeypatch):
    """Run a module's main() with args; return what it passed to exit_json or fail_json."""

    def run(main, args, check_mode=False, diff=True):
        result = {}

        def capture(self, **kwargs):
            result.update(kwargs)
            raise _Exit

        monkeypatch.setattr(basic.AnsibleModule, "exit_json", capture)
        monkeypatch.setattr(basic.AnsibleModule, "fail_json", lambda self, **kw: capture(self, failed=True, **kw))
        with patch_module_args(dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)), pytest.raises(_Exit):
            main()
        return result

    return run


@pytest.fixture(scope="session")
def release_program(tmp_path_factory):
    """unpack(dist, which): the program of the oldest (which=0) or newest (-1) release of dist in the test bed's
    release mirror (testbed/setup.sh), unpacked in a folder of its own. Skips the test without the mirror, or
    when not run as root (the tests use runuser)."""
    mirror = Path(os.environ.get("PINFLEET_CACHE", Path.home() / ".cache/pinfleet")) / "mirror"
    if os.getuid() != 0 or not mirror.is_dir():
        pytest.skip("runs as root (runuser) with the test bed's release mirror")

    def unpack(dist, which):
        archive = sorted(mirror.glob(f"{dist}/v*/{dist}_v*_linux-*.tar.gz"), key=lambda p: [
            int(n) for n in p.parent.name[1:].split(".")])[which]
        folder = tmp_path_factory.mktemp(f"{dist}-{archive.parent.name}")
        with tarfile.open(archive) as tar:
            tar.extractall(folder, filter="data")
        return next(p for p in folder.rglob("*") if p.is_file() and os.access(p, os.X_OK) and p.name in ("ipfs", dist))

    return unpack

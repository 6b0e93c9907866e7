"""Make the collection importable as ansible_collections.pinfleet.ipfs."""

import sys
from pathlib import Path

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

_root = Path(__file__).resolve().parents[2]
_link = _root / "tests" / "output" / "collections" / "ansible_collections" / "pinfleet" / "ipfs"
if not _link.exists():
    _link.parent.mkdir(parents=True, exist_ok=True)
    _link.symlink_to(_root)
sys.path.insert(0, str(_link.parents[2]))


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

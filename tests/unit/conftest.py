"""Make the collection importable as ansible_collections.pinfleet.ipfs."""

import sys
from pathlib import Path

_root = Path(__file__).resolve().parents[2]
_link = _root / "tests" / "output" / "collections" / "ansible_collections" / "pinfleet" / "ipfs"
if not _link.exists():
    _link.parent.mkdir(parents=True, exist_ok=True)
    _link.symlink_to(_root)
sys.path.insert(0, str(_link.parents[2]))

"""site.yml --check --diff on fresh hosts from a fresh controller (run by the scenario's prepare.yml)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

EPHEMERAL = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "."))


def test_check_mode_on_fresh_hosts_runs_to_the_end_and_tells_what_it_would_do(nodes):
    check = json.loads((EPHEMERAL / "check-on-fresh-hosts.json").read_text())
    out = check["out"]
    assert check["rc"] == 0, out[-3000:]
    for name in nodes:
        assert re.search(rf"^{name}\s*: ok=\d+\s+changed=[1-9]\d*\s+unreachable=0\s+failed=0 ", out, re.M), out[-3000:]
        assert re.search(rf'"{name}: would change: kubo v\S+ installed, ipfs-cluster v\S+ installed, firewall rules"',
                         out), out[-3000:]
    # What the run would write, shown as a diff: kubo's private settings, never a key.
    assert '"AutoConf.Enabled": false' in out
    for kind in ("secret", "psk"):
        assert (EPHEMERAL / f"storage.{kind}").read_text().strip() not in out
    # The fresh controller fetched and verified the archives it would install.
    archives = sorted(p.name for p in (EPHEMERAL / "fresh-controller" / "archives").iterdir())
    assert any(a.startswith("kubo_") for a in archives) and any(a.startswith("ipfs-cluster-service_") for a in archives)

"""What the plays keep on the controller goes to the state folder, never into the inventory."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from pinfleet_hosts import INVENTORY, fingerprint, playbook, state_folder
from test_bad_input import assert_refused

FOLDER = Path(INVENTORY).parent
STATE = state_folder()


def test_the_site_runs_wrote_their_summary_outside_the_inventory():
    """The converge and the runs since used the defaults; Ansible reads the folder without a warning."""
    assert sorted(p.name for p in FOLDER.iterdir()) == ["ansible_inventory.yml", "group_vars", "host_vars"]
    graph = subprocess.run(["ansible-inventory", "-i", str(FOLDER), "--graph"], capture_output=True, text=True,
                           check=True, env=dict(os.environ, ANSIBLE_NOCOLOR="1"))
    assert "WARNING" not in graph.stderr + graph.stdout, graph.stderr
    summary = json.loads((STATE / "upgrades" / "site-summary.json").read_text())
    assert {host["host"] for host in summary["hosts"]} >= {"n1", "n2", "n3"}


def test_records_left_in_the_inventory_by_an_older_release_are_moved_out_first(nodes):
    storage = list(nodes.values())
    old = FOLDER / "upgrades"
    old.mkdir()
    try:
        before = [fingerprint(node) for node in storage]
        result = playbook("playbooks/site.yml")
        assert_refused(result, storage, before, f"earlier runs kept their records in {old}",
                       f"mv {old} {STATE}/upgrades", "Nothing was changed")
    finally:
        old.rmdir()

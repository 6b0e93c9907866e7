"""Day two on a node's disks: a full install folder, a storage limit below use, a damaged install."""

from __future__ import annotations

import json
import os
import re

import pytest
from pinfleet_hosts import failures, fingerprint, inventory_groups, ipfs, playbook, starts
from test_bad_input import assert_refused, run_site

STORAGE = inventory_groups()["storage"]
VERSION = os.environ["PINFLEET_KUBO_VERSION"]
PROGRAM = f"/opt/pinfleet/kubo/{VERSION}/ipfs"


@pytest.fixture
def full_install_folder(nodes):
    """The first node's release folders on an 8 MiB disk, as full as a disk that took a log flood.

    The running daemons keep the programs they started with; the links point at what the small disk hides.
    """
    node = nodes[STORAGE[0]]
    node.check_output("mount -t tmpfs -o size=8m pinfleet-full /opt/pinfleet")
    try:
        yield node
    finally:
        node.run("umount /opt/pinfleet")


def test_a_full_install_folder_and_a_storage_limit_below_use_are_refused(tmp_path, nodes, full_install_folder):
    storage = list(nodes.values())
    before = [fingerprint(node) for node in storage]
    result = run_site(tmp_path, {"kubo_storage_max": "1KB"})
    assert_refused(result, storage, before,
                   f"{STORAGE[0]}: /opt/pinfleet/kubo (under kubo_install_root) has 8 MiB free",
                   f"kubo {VERSION} needs",
                   "set kubo_install_root to a folder on a larger disk",
                   *[f"{name}: " for name in STORAGE],
                   "kubo_storage_max 1KB is below what the repository at /var/lib/ipfs holds",
                   "kubo_storage_max_below_use: true")


def test_a_damaged_install_is_found_and_installed_again(nodes):
    """What a cut-off install or a bad disk leaves: an empty program where the running daemon's was."""
    name, node = STORAGE[0], nodes[STORAGE[0]]
    before = {n: starts(host) for n, host in nodes.items()}
    # The running daemon keeps the file it started from; the folder now holds an empty one.
    node.check_output(f"rm {PROGRAM} && touch {PROGRAM} && chmod 0755 {PROGRAM}")
    result = playbook("playbooks/site.yml")
    out = result.stdout + result.stderr
    assert result.returncode == 0, failures(out)
    assert f"kubo {VERSION} installed again (ipfs: empty)" in out, out[-3000:]
    assert re.search(rf"^{name}\s+: .*changed=[1-9]", out, re.M)
    for other in STORAGE[1:]:
        assert re.search(rf"^{other}\s+: .*changed=0 ", out, re.M), out[-2000:]
    assert ipfs(node, "version", "--number").stdout.strip() == VERSION.lstrip("v")
    record = json.loads(node.file(f"/opt/pinfleet/kubo/{VERSION}/.pinfleet-release.json").content_string)
    assert record["ipfs"]["size"] == node.file(PROGRAM).size > 0
    assert node.check_output("ls -A /opt/pinfleet/kubo") == VERSION, "a staging or damaged folder was left"
    # The link and the program's content are what the daemons run: nothing restarted.
    assert {n: starts(host) for n, host in nodes.items()} == before

"""A composite cluster: a pin made through the top cluster ends up pinned across the storage cluster."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
from pathlib import Path

import pytest
from pinfleet_hosts import (
    address,
    cluster_ctl,
    cluster_id,
    failures,
    fingerprint,
    host,
    inventory_groups,
    ipfs,
    peer_id,
    reachable,
    wait_for,
)

GROUPS = inventory_groups()


@pytest.fixture(scope="module")
def storage():
    return {name: host(name) for name in GROUPS["storage"]}


@pytest.fixture(scope="module")
def top():
    return {name: host(name) for name in GROUPS["top_cluster"]}


def statuses(node, cid: str) -> dict[str, str]:
    info = json.loads(cluster_ctl(node, "--enc=json", "status", cid).stdout)
    return {p["peername"]: p["status"] for p in info["peer_map"].values()}


def test_each_cluster_has_its_own_peers(storage, top):
    for group in (storage, top):
        ids = sorted(cluster_id(node)["id"] for node in group.values())
        for name, node in group.items():
            info = cluster_id(node)
            assert sorted(info["cluster_peers"]) == ids, name
            assert not info["ipfs"].get("error"), (name, info["ipfs"])
    # The top cluster runs no kubo of its own.
    for name, node in top.items():
        assert not node.exists("ipfs"), name


def test_a_pin_through_the_top_cluster_is_pinned_across_the_storage_cluster(storage, top):
    first = next(iter(storage.values()))
    cid = ipfs(first, "add", "-Q", "--pin=false", stdin=f"composite {secrets.token_hex(16)}").stdout.strip()
    cluster_ctl(next(iter(top.values())), "pin", "add", cid)
    wait_for(f"{cid} pinned on both top peers", lambda: statuses(next(iter(top.values())), cid)
             == dict.fromkeys(top, "pinned"))
    for name, node in storage.items():
        wait_for(f"{cid} pinned on every storage peer, as {name} sees it",
                 lambda node=node: statuses(node, cid) == dict.fromkeys(storage, "pinned"))
        assert cid in ipfs(node, "pin", "ls", "--type=recursive", "--quiet").stdout.split(), name


def test_the_proxies_are_open_to_the_top_cluster_only(storage, top):
    proxies = [(address(node), 9095) for node in storage.values()]
    for name, node in top.items():
        assert reachable(node, proxies) == proxies, name
        # Not kubo's own API behind it.
        assert reachable(node, [(a, 5001) for a, _port in proxies]) == [], name
    # Not the storage peers themselves (only admin sources and the top cluster).
    for name, node in storage.items():
        others = [(a, p) for a, p in proxies if a != address(node)]
        assert reachable(node, others) == [], name


def test_the_site_summary_tells_what_each_host_runs_and_what_changed(storage, top):
    """The summary the site run from the artifact wrote: every host's daemons as they are, and what it installed.
    All the run keeps on the controller is under pinfleet_state_dir: the lock, the summary, the archives."""
    state = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "state"
    for archive in (f"kubo_{os.environ['PINFLEET_KUBO_VERSION']}",
                    f"ipfs-cluster-service_{os.environ['PINFLEET_CLUSTER_VERSION']}"):
        assert list((state / "archives").glob(f"{archive}_linux-*.tar.gz")), archive
    assert (state / "upgrades").is_dir()
    summary = json.loads((state / "upgrades/site-summary.json").read_text())
    reports = {report["host"]: report for report in summary["hosts"]}
    assert sorted(reports) == sorted([*storage, *top])
    for name, node in {**storage, **top}.items():
        report = reports[name]
        assert report["cluster"]["peer_id"] == cluster_id(node)["id"], report
        assert report["cluster"]["peers"] == len(storage if name in storage else top), report
        assert any(c.startswith("ipfs-cluster v") and c.endswith(" installed") for c in report["changed"]), report
        if name in storage:
            assert report["kubo"]["peer_id"] == peer_id(node), report
            assert report["kubo"]["peers"] == len(storage) - 1, report
            assert any(change.startswith("kubo v") for change in report["changed"]), report
        else:
            assert report["kubo"] is None, report


def test_a_controller_without_netaddr_is_refused_before_any_change(storage, top):
    """The installed artifact run from a Python with ansible-core but without netaddr (which the address filters
    need): refused by the checks, naming what is missing and the command that installs it; no host changed."""
    nodes = {**storage, **top}
    before = {name: fingerprint(node) for name, node in nodes.items()}
    ephemeral, bare = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]), os.environ["PINFLEET_BARE"]
    result = subprocess.run([f"{os.environ['PINFLEET_ROOT']}/testbed/artifact.sh", "-i", str(ephemeral / "inventory"),
                             "pinfleet.ipfs.site", "-e", f"pinfleet_state_dir={ephemeral}/state"],
                            env=dict(os.environ, PINFLEET_CONTROLLER=bare, ANSIBLE_NOCOLOR="1"),
                            capture_output=True, text=True, check=False)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "netaddr is not installed (pinfleet needs netaddr>=1.0)" in out, failures(out)
    assert f"{bare}/bin/python" in out and "-m pip install -r" in out, failures(out)
    assert not re.findall(r"^changed: \[[^\]>]*\]", out, re.M)
    assert {name: fingerprint(node) for name, node in nodes.items()} == before

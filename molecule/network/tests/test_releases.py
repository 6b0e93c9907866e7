"""One network of Debian 12 and Debian 13 hosts: the daemons run the same sandbox on both."""

from __future__ import annotations

import re

import pytest

UNITS = ("ipfs.service", "ipfs-cluster.service")


def release(node) -> str:
    return node.check_output(". /etc/os-release && echo $VERSION_ID")


def exposure(node, unit: str) -> float:
    """systemd-analyze's overall exposure of a unit (0 is the best, 10 the worst)."""
    out = node.check_output(f"systemd-analyze security --no-pager {unit}")
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", out)
    assert found, out
    return float(found.group(1))


def test_the_network_mixes_debian_12_and_13(nodes):
    assert sorted({release(node) for node in nodes.values()}) == ["12", "13"]


@pytest.mark.parametrize("unit", UNITS)
def test_a_unit_is_no_more_exposed_on_debian_13_than_on_12(nodes, unit):
    by_release: dict[str, set[float]] = {}
    for node in nodes.values():
        assert node.service(unit).is_running, unit
        by_release.setdefault(release(node), set()).add(exposure(node, unit))
    # The one sandbox of roles/daemon: "OK" (below 2) on every host, and a
    # Debian 13 host exposes the daemon no more than a Debian 12 one.
    assert max(by_release["12"] | by_release["13"]) < 2.0, by_release
    assert max(by_release["13"]) <= min(by_release["12"]), by_release

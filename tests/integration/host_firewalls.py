"""Storage nodes that already run ufw (group ufw) or firewalld (group firewalld).

The peers are let in there too, nobody else. The scenarios whose hosts run
them (molecule/shared/host_firewalls.yml) run these checks too: their
molecule.yml names this file in verifier.additional_files_or_dirs.
"""

from __future__ import annotations

import pytest
from pinfleet_hosts import address, inventory_groups, nodes, reachable

UFW = inventory_groups().get("ufw", [])
FIREWALLD = inventory_groups().get("firewalld", [])

# The scenario's fixture, for pytest to find here (this file is outside the scenario's tests folder).
__all__ = ["nodes"]


@pytest.fixture(scope="module")
def peers(nodes):
    return sorted(address(node) for node in nodes.values())


@pytest.mark.parametrize("name", UFW)
def test_ufw_denies_by_default_and_lets_each_peer_in_and_no_former_peer(nodes, peers, name):
    out = nodes[name].check_output("ufw status verbose")
    assert "Status: active" in out
    assert "deny (incoming)" in out
    for peer in peers:
        assert any(peer in line and "4001,9096/tcp" in line and "ALLOW IN" in line for line in out.splitlines()), out
    # The former peer's opening (from host_firewalls.yml) was closed; the operator's own rule kept.
    assert "10.89.0.250" not in out, out
    assert any(line.split()[:4] == ["22/tcp", "ALLOW", "IN", "10.89.0.1"] for line in out.splitlines()), out


@pytest.mark.parametrize("name", FIREWALLD)
def test_firewalld_lets_each_peer_in_and_no_former_peer(nodes, peers, name):
    rules = nodes[name].check_output("firewall-cmd --list-rich-rules")
    for peer in peers:
        for port in (4001, 9096):
            assert f'source address="{peer}" port port="{port}" protocol="tcp" accept' in rules, rules
    assert "10.89.0.250" not in rules, rules
    assert 'source address="10.89.0.1" port port="22"' in rules, rules


@pytest.mark.parametrize(("name", "reload"), [(name, "ufw reload") for name in UFW]
                         + [(name, "firewall-cmd --reload") for name in FIREWALLD])
def test_a_host_firewall_reload_keeps_the_peers_connected(nodes, name, reload):
    """Reloading ufw or firewalld neither drops pinfleet's table nor cuts the peers off (new connections)."""
    node = nodes[name]
    node.check_output(reload)
    assert node.run("nft list table inet pinfleet").rc == 0
    others = [(address(other), port) for other_name, other in nodes.items() if other_name != name
              for port in (4001, 9096)]
    node_swarm = [(address(node), 4001), (address(node), 9096)]
    first_other = next(other for other_name, other in nodes.items() if other_name != name)
    assert reachable(first_other, node_swarm) == node_swarm
    assert sorted(reachable(node, others)) == sorted(others)

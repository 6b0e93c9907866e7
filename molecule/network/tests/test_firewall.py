"""Hosts that already run ufw (n2) or firewalld (n3): the peers are let in there too, nobody else."""

from __future__ import annotations

import pytest
from pinfleet_hosts import address, reachable


@pytest.fixture(scope="module")
def peers(nodes):
    return sorted(address(node) for node in nodes.values())


def test_ufw_denies_by_default_and_lets_each_peer_in_and_no_former_peer(nodes, peers):
    out = nodes["n2"].check_output("ufw status verbose")
    assert "Status: active" in out
    assert "deny (incoming)" in out
    for peer in peers:
        assert any(peer in line and "4001,9096/tcp" in line and "ALLOW IN" in line for line in out.splitlines()), out
    # The former peer's opening (from prepare.yml) was closed; the operator's own rule kept.
    assert "10.89.0.250" not in out, out
    assert any("10.89.0.251" in line and "22/tcp" in line for line in out.splitlines()), out


def test_firewalld_lets_each_peer_in_and_no_former_peer(nodes, peers):
    rules = nodes["n3"].check_output("firewall-cmd --list-rich-rules")
    for peer in peers:
        for port in (4001, 9096):
            assert f'source address="{peer}" port port="{port}" protocol="tcp" accept' in rules, rules
    assert "10.89.0.250" not in rules, rules
    assert 'source address="10.89.0.251" port port="22"' in rules, rules


@pytest.mark.parametrize(("name", "reload"), [("n2", "ufw reload"), ("n3", "firewall-cmd --reload")])
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

"""The checks of the storage nodes that run ufw or firewalld (tests/integration/host_firewalls.py)."""

from host_firewalls import (
    peers,
    test_a_host_firewall_reload_keeps_the_peers_connected,
    test_firewalld_lets_each_peer_in_and_no_former_peer,
    test_ufw_denies_by_default_and_lets_each_peer_in_and_no_former_peer,
)

# Collected by pytest from here.
__all__ = [
    "peers",
    "test_a_host_firewall_reload_keeps_the_peers_connected",
    "test_firewalld_lets_each_peer_in_and_no_former_peer",
    "test_ufw_denies_by_default_and_lets_each_peer_in_and_no_former_peer",
]

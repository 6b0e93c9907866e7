from ansible_collections.pinfleet.ipfs.plugins.modules.kubo_peering import peering_changes

A = {"ID": "12D3KooWA", "Addrs": ["/ip4/10.0.0.1/tcp/4001"]}
B = {"ID": "12D3KooWB", "Addrs": ["/ip4/10.0.0.2/tcp/4001"]}
C = {"ID": "12D3KooWC", "Addrs": ["/ip4/10.0.0.3/tcp/4001"]}


def test_a_new_peer_is_added_and_a_gone_one_removed():
    assert peering_changes([A, B], [A, C]) == ([C], ["12D3KooWB"])


def test_nothing_changes_when_the_node_peers_as_listed():
    assert peering_changes([B, A], [A, B]) == ([], [])


def test_a_peer_known_at_other_addresses_is_added_again():
    moved = {"ID": "12D3KooWA", "Addrs": ["/ip4/10.0.0.9/tcp/4001"]}
    assert peering_changes([A], [moved]) == ([moved], [])


def test_a_node_with_no_peering_yet_takes_every_peer():
    # kubo answers "Peers": null when it has none.
    assert peering_changes([], [A, B]) == ([A, B], [])

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.pinfleet.ipfs.plugins.filter import pinfleet as f
from ansible_collections.pinfleet.ipfs.plugins.filter.diagnosis import monitor_view

HEX = "0123456789abcdef" * 4
GOOD = f"/key/swarm/psk/1.0.0/\n/base16/\n{HEX}\n"


def test_swarm_key_from_hex():
    assert f.swarm_key_from_hex(HEX.upper()) == GOOD


def test_the_secret_filters_refuse_with_the_fix():
    with pytest.raises(AnsibleFilterError, match="line 1"):
        f.swarm_key_text("nonsense")
    with pytest.raises(AnsibleFilterError, match="64 hex characters"):
        f.cluster_secret_text("ab" * 31)


@pytest.mark.parametrize(("address", "expected"), [
    ("10.0.0.1", "/ip4/10.0.0.1/tcp/4001"),
    ("fd00::1", "/ip6/fd00::1/tcp/4001"),
    ("node1.example.org", "/dns/node1.example.org/tcp/4001"),
])
def test_ip_multiaddr(address, expected):
    assert f.ip_multiaddr(address, "4001") == expected


@pytest.mark.parametrize(("multiaddr", "url"), [
    ("/ip4/127.0.0.1/tcp/5001", "http://127.0.0.1:5001"),
    ("/ip6/::1/tcp/5001", "http://[::1]:5001"),
    ("/dns/localhost/tcp/9094", "http://localhost:9094"),
])
def test_multiaddr_url(multiaddr, url):
    assert f.multiaddr_url(multiaddr) == url


def test_multiaddr_url_refuses_non_tcp():
    with pytest.raises(AnsibleFilterError, match="not a"):
        f.multiaddr_url("/unix/run/ipfs.sock")


def test_p2p_addrs():
    peers = [{"id": "12D3KooWA", "addrs": ["/ip4/10.0.0.1/tcp/4001"]},
             {"id": "12D3KooWB", "addrs": ["/ip4/10.0.0.2/tcp/4001", "/ip6/fd00::2/tcp/4001"]}]
    assert f.p2p_addrs(peers) == [
        "/ip4/10.0.0.1/tcp/4001/p2p/12D3KooWA",
        "/ip4/10.0.0.2/tcp/4001/p2p/12D3KooWB",
        "/ip6/fd00::2/tcp/4001/p2p/12D3KooWB",
    ]


@pytest.mark.parametrize(("multiaddr", "host"), [
    ("/ip4/10.0.0.1/tcp/4001", "10.0.0.1"),
    ("/ip6/fd00::1/tcp/9096", "fd00::1"),
    ("/dns/node1/tcp/4001", "node1"),
])
def test_multiaddr_host(multiaddr, host):
    assert f.multiaddr_host(multiaddr) == host


def test_multiaddr_host_refuses_others():
    with pytest.raises(AnsibleFilterError):
        f.multiaddr_host("/unix/run/x.sock")


@pytest.mark.parametrize(("multiaddr", "loopback"), [
    ("/ip4/127.0.0.1/tcp/9094", True),
    ("/ip4/127.1.2.3/tcp/9094", True),
    ("/ip6/::1/tcp/9094", True),
    ("/ip4/0.0.0.0/tcp/9094", False),
    ("/ip4/10.0.0.1/tcp/9094", False),
    ("/ip6/::/tcp/9094", False),
    ("/dns/localhost/tcp/9094", False),
    ("/unix/run/api.sock", False),
])
def test_multiaddr_is_loopback(multiaddr, loopback):
    assert f.multiaddr_is_loopback(multiaddr) is loopback


def test_upgrade_report_line_says_what_changed_how_long_it_was_down_and_why_it_failed():
    report = {"host": "n1", "before": {"kubo": "v0.36.0", "cluster": "v1.1.0", "repo": 16},
              "after": {"kubo": "v0.36.0", "cluster": "v1.1.0", "repo": 16}, "down_seconds": 12.5,
              "outcome": "rolled back", "error": "Start kubo: ipfs.service is not started"}
    assert f.upgrade_report_line(report) == (
        "n1: kubo v0.36.0 -> v0.36.0 (repo 16 -> 16), ipfs-cluster v1.1.0 -> v1.1.0, down 12.5s: rolled back"
        " (Start kubo: ipfs.service is not started)")


def test_upgrade_report_line_names_a_peer_left_out_with_when_it_was_seen():
    assert f.upgrade_report_line({"host": "n2", "seen": "2026-12-07T10:00:00Z"}) == (
        "n2: not in this run (unreachable, or left out by --limit), last seen 2026-12-07T10:00:00Z;"
        " at its versions until a run of this upgrade reaches it")
    never = f.upgrade_report_line({"host": "n9", "seen": "never"})
    assert "(unreachable, or left out by --limit), never recorded;" in never


@pytest.mark.parametrize(("opening", "rule"), [
    (["10.0.0.5", 4001], 'rule family="ipv4" source address="10.0.0.5" port port="4001" protocol="tcp" accept'),
    (["fd00::5", "9096"], 'rule family="ipv6" source address="fd00::5" port port="9096" protocol="tcp" accept'),
])
def test_firewalld_rich_rule_is_written_as_firewalld_lists_it(opening, rule):
    assert f.firewalld_rich_rule(opening) == rule


def test_pick_keeps_only_the_paths_the_data_has():
    data = {"datastore": {"pebble": {"pebble_options": {"format_major_version": 16, "other": 1}}},
            "consensus": {"crdt": {"cluster_name": "x"}}}
    paths = ["datastore.pebble.pebble_options.format_major_version", "consensus.raft.init_peerset"]
    assert f.pick(data, paths) == {"datastore": {"pebble": {"pebble_options": {"format_major_version": 16}}}}


def test_host_networks_reads_every_interface_but_loopback():
    facts = {"interfaces": ["lo", "eth0", "side-0"],
             "lo": {"ipv4": {"address": "127.0.0.1", "netmask": "255.0.0.0"}},
             "eth0": {"ipv4": {"address": "10.89.0.5", "netmask": "255.255.255.0"},
                      "ipv6": [{"address": "fe80::1", "prefix": "64", "scope": "link"},
                               {"address": "fd00::5", "prefix": "64", "scope": "global"}]},
             "side_0": {"ipv4": {"address": "10.99.0.4", "netmask": "255.255.255.0"},
                        "ipv4_secondaries": [{"address": "10.99.1.4", "netmask": "255.255.255.0"}]}}
    assert f.host_networks(facts) == ["10.89.0.5/24", "fd00::5/64", "10.99.0.4/24", "10.99.1.4/24"]


PEERS = [["10.89.0.5/24"], ["10.89.0.6/24"]]


@pytest.mark.parametrize(
    ("address", "networks", "others", "expected"),
    [
        ("10.89.0.7", ["10.89.0.7/24"], PEERS, ""),
        ("peer4.example.net", ["10.89.0.7/24"], PEERS, ""),
        # Peers in routed networks of their own, one address each: nothing to choose from.
        ("10.1.0.7", ["10.1.0.7/24"], PEERS, ""),
        ("10.89.0.9", ["10.89.0.7/24"], PEERS, "kubo_address 10.89.0.9 is not an address of this host"),
        ("10.99.0.4", ["10.89.0.7/24", "10.99.0.4/24"], PEERS,
         "kubo_address 10.99.0.4 is on 10.99.0.0/24, where no other peer is, while this host's 10.89.0.7 is on"
         " their network 10.89.0.0/24: the peers could not reach it. Set pinfleet_peer_network: 10.89.0.0/24,"
         " or kubo_address: 10.89.0.7 for this host."),
    ],
)
def test_the_announced_address_must_be_one_the_peers_reach(address, networks, others, expected):
    problem = f.peer_address_problem(address, networks, others, "kubo_address")
    assert problem.startswith(expected) if expected else problem == ""


def test_monitor_view_keeps_pinfleet_targets_and_tells_a_failed_question():
    answer = {"status": 200, "json": {"status": "success", "data": {"activeTargets": [
        {"labels": {"job": "pinfleet-kubo", "peer": "s1"}, "health": "up"},
        {"labels": {"job": "node", "instance": "m1:9100"}, "health": "down"}]}}}
    assert monitor_view(answer) == {"targets": [{"labels": {"job": "pinfleet-kubo", "peer": "s1"}, "health": "up"}]}
    assert monitor_view({"failed": True, "msg": "Status code was -1: Connection refused"}) == {
        "error": "Status code was -1: Connection refused"}


RECORD = {
    "o3": {"host": "o3", "seen": "2026-12-07T10:00:00Z",
           "kubo_peer": {"id": "K3", "addrs": ["/ip4/10.89.0.213/tcp/4001"]},
           "cluster_peer": {"id": "C3", "addrs": ["/ip4/10.89.0.213/tcp/9096"], "peer_group": "storage",
                            "consensus": "crdt"}},
}


def test_published_takes_the_run_s_fact_then_the_record_and_leaves_out_hosts_with_neither():
    hostvars = {"o1": {"kubo_peer": {"id": "K1"}}, "o2": {}, "o3": {"kubo_peer": {"id": "K3-now"}}, "o4": {}}
    assert f.published(["o1", "o2", "o3"], hostvars, "kubo_peer", RECORD) == [{"id": "K1"}, {"id": "K3-now"}]
    assert f.published(["o4", "o3"], {"o4": {}}, "kubo_peer", RECORD) == [RECORD["o3"]["kubo_peer"]]
    assert f.published(["o1"], hostvars, "cluster_peer") == []


NEW = {"host": "o5", "group": "storage", "id": "C5", "addresses": ["10.89.0.215"]}
SHUT = "o3 needs a run: its firewall must let o5 in"


def _peer(host, cid, address):
    return {"inventory_hostname": host, "kubo_peer": {"addrs": [f"/ip4/{address}/tcp/4001"]},
            "cluster_peer": {"id": cid, "peer_group": "storage", "addrs": [f"/ip4/{address}/tcp/9096"]}}


def test_new_peers_are_those_the_record_lacks_or_has_otherwise():
    same, moved = _peer("o3", "C3", "10.89.0.213"), _peer("o3", "C3", "10.89.0.99")
    fresh = _peer("o5", "C5", "10.89.0.215")
    assert f.new_peers([same], RECORD) == []
    assert [n["addresses"] for n in f.new_peers([moved], RECORD)] == [["10.89.0.99"]]
    assert f.new_peers([fresh], RECORD) == [NEW]


@pytest.mark.parametrize(("outside", "expected"), [
    ({}, ["o3 needs a run: its firewall must let o5 in and its trusted peers must learn o5"]),
    ({"firewall_peer_sources": ["10.89.0.0/24"]}, ["o3 needs a run: its trusted peers must learn o5"]),
    ({"cluster_trusted_peers": ["*"]}, [SHUT]),
    ({"cluster_trusted_peers": ["*"], "firewall_peer_sources": ["10.89.0.0/24"]}, []),
    ({"cluster_trusted_peers": ["C5"], "firewall_peer_sources": ["10.89.0.215"]}, []),
    ({"cluster_trusted_peers": ["*"], "firewall_peer_sources": ["10.90.0.0/24"]}, [SHUT]),
])
def test_pending_runs_name_what_each_peer_outside_must_learn(outside, expected):
    new = [NEW]
    assert f.pending_runs(new, [{"inventory_hostname": "o3", **outside}], RECORD) == expected


def test_a_raft_peer_outside_must_learn_no_trust_and_another_cluster_nothing():
    new = [NEW]
    raft = {"o3": {"cluster_peer": {**RECORD["o3"]["cluster_peer"], "consensus": "raft"}}}
    assert f.pending_runs(new, [{"inventory_hostname": "o3"}], raft) == [SHUT]
    other = {"o3": {"cluster_peer": {**RECORD["o3"]["cluster_peer"], "peer_group": "top_cluster"}}}
    assert f.pending_runs(new, [{"inventory_hostname": "o3"}], other) == []


DUAL_HOMED = {"default_ipv4": {"address": "10.99.0.4"}, "all_ipv4_addresses": ["10.99.0.4", "10.89.0.5"],
              "all_ipv6_addresses": ["fe80::1%eth0", "fd00::5"]}


@pytest.mark.parametrize(("peer_network", "expected"), [
    ("", "10.99.0.4"),
    ("10.89.0.0/24", "10.89.0.5"),
    (" 10.89.0.0/24 ", "10.89.0.5"),
    ("fd00::/64", "fd00::5"),
    ("192.0.2.0/24", ""),
])
def test_host_address_takes_the_peer_network_else_the_default_route(peer_network, expected):
    assert f.host_address(DUAL_HOMED, peer_network) == expected


def test_host_address_without_a_default_route_is_empty():
    assert f.host_address({"all_ipv4_addresses": ["10.89.0.5"]}) == ""


def test_host_address_names_a_peer_network_that_is_not_one():
    with pytest.raises(AnsibleFilterError, match=r"pinfleet_peer_network '10\.89\.0/24x' is not a network: set it to"):
        f.host_address(DUAL_HOMED, "10.89.0/24x")

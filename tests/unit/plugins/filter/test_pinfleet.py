import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.pinfleet.ipfs.plugins.filter import pinfleet as f

HEX = "0123456789abcdef" * 4
GOOD = f"/key/swarm/psk/1.0.0/\n/base16/\n{HEX}\n"


@pytest.mark.parametrize("key", [GOOD, GOOD.rstrip("\n"), GOOD.replace("\n", "\r\n"), GOOD.upper().replace(
    "/KEY/SWARM/PSK/1.0.0/", "/key/swarm/psk/1.0.0/").replace("/BASE16/", "/base16/")])
def test_valid_swarm_keys(key):
    assert f.swarm_key_problem(key) == ""
    assert f.swarm_key_text(key) == GOOD


@pytest.mark.parametrize(("key", "problem"), [
    (None, "is empty"),
    ("   ", "is empty"),
    ("\ufeff" + GOOD, "byte-order mark"),
    (GOOD.replace("base16", "bäse16"), "non-ASCII"),
    (GOOD.replace("1.0.0", "2.0.0"), "line 1 must be exactly"),
    (f"/key/swarm/psk/1.0.0/\n{HEX}\n", "must have 3 lines, it has 2"),
    (GOOD + "extra\n", "must have 3 lines, it has 4"),
    (GOOD.replace("/base16/", "/base64/"), "line 2 must be '/base16/'"),
    (GOOD.replace(HEX, HEX[:62]), "64 hex characters, it has 62"),
    (GOOD.replace(HEX, HEX + "00"), "64 hex characters, it has 66"),
    (GOOD.replace(HEX, HEX[:63] + "g"), "not hex"),
])
def test_malformed_swarm_keys_name_the_problem_and_the_fix(key, problem):
    message = f.swarm_key_problem(key)
    assert problem in message
    assert "openssl rand -hex 32" in message
    assert HEX not in message


def test_swarm_key_text_refuses_a_bad_key():
    with pytest.raises(AnsibleFilterError, match="line 1"):
        f.swarm_key_text("nonsense")


def test_swarm_key_from_hex():
    assert f.swarm_key_from_hex(HEX.upper()) == GOOD


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
    peers = [{"ID": "12D3KooWA", "Addrs": ["/ip4/10.0.0.1/tcp/4001"]},
             {"ID": "12D3KooWB", "Addrs": ["/ip4/10.0.0.2/tcp/4001", "/ip6/fd00::2/tcp/4001"]}]
    assert f.p2p_addrs(peers) == [
        "/ip4/10.0.0.1/tcp/4001/p2p/12D3KooWA",
        "/ip4/10.0.0.2/tcp/4001/p2p/12D3KooWB",
        "/ip6/fd00::2/tcp/4001/p2p/12D3KooWB",
    ]


def test_valid_cluster_secret():
    assert f.cluster_secret_problem(HEX) == ""
    assert f.cluster_secret_problem(HEX.upper() + "\n") == ""


@pytest.mark.parametrize(("secret", "problem"), [
    (None, "is empty"),
    ("", "is empty"),
    (HEX[:63], "64 hex characters (32 bytes), it has 63"),
    (HEX + "ab", "it has 66"),
    (HEX[:63] + "x", "not hex"),
])
def test_bad_cluster_secrets_name_the_fix(secret, problem):
    message = f.cluster_secret_problem(secret)
    assert problem in message
    assert "openssl rand -hex 32" in message


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


@pytest.mark.parametrize(("opening", "rule"), [
    (["10.0.0.5", 4001], 'rule family="ipv4" source address="10.0.0.5" port port="4001" protocol="tcp" accept'),
    (["fd00::5", "9096"], 'rule family="ipv6" source address="fd00::5" port port="9096" protocol="tcp" accept'),
])
def test_firewalld_rich_rule_is_written_as_firewalld_lists_it(opening, rule):
    assert f.firewalld_rich_rule(opening) == rule

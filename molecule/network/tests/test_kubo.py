"""The private kubo network: three nodes with one key, an outsider with another."""

from __future__ import annotations

import json
import secrets
import shlex

import pytest
from pinfleet_hosts import address, ipfs, peer_id, reachable

OUTSIDER = "outsider"


@pytest.fixture(scope="module")
def ids(nodes, outsider):
    found = {name: peer_id(node) for name, node in nodes.items()}
    found[OUTSIDER] = peer_id(outsider)
    return found


def swarm_peers(node) -> set[str]:
    peers = json.loads(ipfs(node, "swarm", "peers", "--enc=json").stdout).get("Peers") or []
    return {p["Peer"] for p in peers}


def test_each_node_is_connected_to_the_other_two(nodes, ids):
    for name, node in nodes.items():
        others = {ids[n] for n in nodes if n != name}
        assert swarm_peers(node) == others, f"{name} peers"


def test_content_added_on_one_node_is_read_on_the_others(nodes):
    text = f"pinfleet {secrets.token_hex(16)}"
    first, *rest = list(nodes)
    cid = ipfs(nodes[first], "add", "-Q", "--pin=true", stdin=text).stdout.strip()
    for name in rest:
        assert ipfs(nodes[name], "--timeout=60s", "cat", cid).stdout == text, name


def test_a_restarted_node_fetches_from_the_peers_it_reconnects_to(nodes):
    """Peers that connect while kubo starts must be usable for fetching (kubo v0.43.0 failed this)."""
    first, second, third = list(nodes)
    nodes[second].check_output("systemctl restart ipfs")
    for source in (first, third):
        text = f"after restart {secrets.token_hex(16)}"
        cid = ipfs(nodes[source], "add", "-Q", stdin=text).stdout.strip()
        assert ipfs(nodes[second], "--timeout=30s", "cat", cid).stdout == text, source


def test_kubo_api_listens_on_loopback_only(nodes):
    for name, node in nodes.items():
        assert node.socket("tcp://127.0.0.1:5001").is_listening, name
        assert not node.socket("tcp://0.0.0.0:5001").is_listening, name


def test_kubo_api_is_not_reachable_from_another_host(nodes):
    first, second, _third = nodes.values()
    target = address(first)
    # The swarm port on the same address answers, so the probe itself works.
    assert reachable(second, [(target, 5001), (target, 4001)]) == [(target, 4001)]


def test_outsider_with_another_key_cannot_connect_or_fetch(nodes, outsider, ids):
    first = next(iter(nodes))
    text = f"secret {secrets.token_hex(16)}"
    cid = ipfs(nodes[first], "add", "-Q", stdin=text).stdout.strip()
    dial = ipfs(outsider, "--timeout=10s", "swarm", "connect",
                f"/ip4/{address(nodes[first])}/tcp/4001/p2p/{ids[first]}", check=False)
    assert dial.rc != 0, dial.stdout
    fetch = ipfs(outsider, "--timeout=10s", "cat", cid, check=False)
    assert fetch.rc != 0 and text not in fetch.stdout
    for name, node in nodes.items():
        assert ids[OUTSIDER] not in swarm_peers(node), name
    assert swarm_peers(outsider) == set()


def test_keyless_outsider_cannot_connect(nodes, outsider, ids):
    """A node with no swarm key at all (a public-network node) is refused too.

    It runs from a scratch repository with AutoConf off, no bootstrap peers and
    no delegated routing, so it dials nothing but the node under test.
    """
    first = next(iter(nodes))
    script = f"""
set -e
export IPFS_PATH=$(mktemp -d) IPFS_TELEMETRY=off
ipfs init --empty-repo --profile=autoconf-off,randomports >/dev/null
ipfs config --json Routing.Type '"none"'
ipfs config --json AutoTLS.Enabled false
ipfs config --json Addresses.API '"/ip4/127.0.0.1/tcp/5101"'
ipfs config --json Addresses.Gateway '"/ip4/127.0.0.1/tcp/8180"'
ipfs config --json Swarm.Transports.Network.QUIC false
ipfs daemon >/dev/null 2>&1 &
trap 'kill $!; rm -rf $IPFS_PATH' EXIT
# Up once it wrote the address of its API (an offline command meanwhile would take the lock of the repo).
for i in $(seq 60); do [ -e "$IPFS_PATH/api" ] && break; sleep 0.5; done
echo connecting
ipfs --timeout=10s swarm connect /ip4/{address(nodes[first])}/tcp/4001/p2p/{ids[first]}
"""
    # Quoted whole: the shell that runs runuser must expand none of it.
    result = outsider.run(f"runuser -u ipfs -- bash -c {shlex.quote(script)}")
    # Its daemon ran and dialled, and the dial failed: a keyless node cannot join.
    assert "connecting" in result.stdout, result.stderr
    assert result.rc != 0 and "success" not in result.stdout, result.stdout
    assert f"connect {ids[first]} failure" in result.stderr and "online mode" not in result.stderr, result.stderr


def test_node_forced_private_without_key_refuses_to_start(outsider):
    before = outsider.run("journalctl -u ipfs --no-pager -o cat | wc -l").stdout.strip()
    outsider.check_output("systemctl stop ipfs && mv /var/lib/ipfs/swarm.key /root/swarm.key.aside")
    try:
        started = outsider.run("systemctl start ipfs")
        assert started.rc != 0
        assert outsider.run("systemctl is-active ipfs").stdout.strip() != "active"
        log = outsider.check_output(f"journalctl -u ipfs --no-pager -o cat | tail -n +{int(before) + 1}")
        assert "private network" in log.lower(), log
    finally:
        outsider.check_output("mv /root/swarm.key.aside /var/lib/ipfs/swarm.key && systemctl reset-failed ipfs"
                              " && systemctl start ipfs")
    assert outsider.service("ipfs").is_running

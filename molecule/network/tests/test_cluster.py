"""The ipfs-cluster peers on the private network, and the firewall around them."""

from __future__ import annotations

import json
import os
import re
import secrets

import pytest
from pinfleet_hosts import (
    CLUSTER_PATH,
    address,
    cluster_ctl,
    cluster_id,
    failures,
    playbook,
    reachable,
    wait_for,
)


@pytest.fixture(scope="module")
def ids(nodes):
    return {name: cluster_id(node)["id"] for name, node in nodes.items()}


def status(node, cid) -> dict[str, str]:
    info = json.loads(cluster_ctl(node, "--enc=json", "status", cid).stdout)
    return {pin["peername"]: pin["status"] for pin in info["peer_map"].values()}


def test_every_peer_sees_all_three(nodes, ids):
    for name, node in nodes.items():
        listed = cluster_ctl(node, "peers", "ls").stdout
        for other in ids.values():
            assert other in listed, f"{name} does not list {other}"
        info = cluster_id(node)
        assert sorted(info["cluster_peers"]) == sorted(ids.values())
        assert not info["ipfs"].get("error"), info["ipfs"]


def test_every_spelling_of_the_secrets_is_written_as_one(nodes):
    """n2 and n3 have the secrets with a trailing newline, CRLF, blanks and upper case (molecule.yml):
    every peer holds them in one form, and they formed one network (the tests above)."""
    ephemeral = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]
    secret = open(os.path.join(ephemeral, "storage.secret")).read().strip()
    key = open(os.path.join(ephemeral, "storage.psk")).read().strip()
    for name, node in nodes.items():
        service = json.loads(node.check_output(f"cat {CLUSTER_PATH}/service.json"))
        assert service["cluster"]["secret"] == secret, name
        assert node.check_output("cat /var/lib/ipfs/swarm.key") == f"/key/swarm/psk/1.0.0/\n/base16/\n{key}", name


def test_a_pin_reaches_pinned_on_all_three(nodes):
    first = next(iter(nodes.values()))
    first.check_output(f"printf 'pin {secrets.token_hex(16)}' > /tmp/pin.txt")
    cid = cluster_ctl(first, "add", "-Q", "/tmp/pin.txt").stdout.strip()
    for name, node in nodes.items():
        wait_for(f"{cid} pinned everywhere as seen from {name}",
                 lambda node=node: set(status(node, cid).values()) == {"pinned"} and len(status(node, cid)) == 3)


def test_the_outsider_reaches_no_port_of_the_peers(nodes, outsider):
    targets = [(address(node), port) for node in nodes.values() for port in (9094, 9095, 9096, 5001, 4001)]
    reached = reachable(outsider, targets)
    assert not reached, f"the outsider reached {reached}"
    # The peers themselves do reach each other's swarm ports: the probe works.
    first, second, _third = nodes.values()
    swarms = [(address(second), 9096), (address(second), 4001)]
    assert reachable(first, swarms) == swarms


def test_a_peer_with_another_secret_does_not_join(nodes, ids):
    first, second, third = list(nodes)
    rogue = nodes[third]
    rogue.check_output(
        "systemctl stop ipfs-cluster && "
        f"python3 -c \"import json; p='{CLUSTER_PATH}/service.json'; c=json.load(open(p)); "
        f"c['cluster']['secret']='{secrets.token_hex(32)}'; json.dump(c, open(p, 'w'))\" && "
        "systemctl start ipfs-cluster")
    try:
        wait_for(f"{first} and {second} to lose {third}",
                 lambda: all(ids[third] not in cluster_id(nodes[n])["cluster_peers"] for n in (first, second)))
        assert cluster_id(rogue)["cluster_peers"] == [ids[third]]
        # The others still serve: a new pin is pinned on both.
        nodes[first].check_output(f"printf 'rogue {secrets.token_hex(8)}' > /tmp/rogue.txt")
        cid = cluster_ctl(nodes[first], "add", "-Q", "/tmp/rogue.txt").stdout.strip()
        wait_for("the pin on the two peers", lambda: all(
            status(nodes[first], cid).get(n) == "pinned" for n in (first, second)))
        assert status(nodes[first], cid).get(third) != "pinned"
    finally:
        # The site play puts the right secret back and restarts the peer.
        result = playbook("playbooks/site.yml")
        assert result.returncode == 0, failures(result.stdout)
    wait_for(f"{third} to rejoin", lambda: sorted(cluster_id(rogue)["cluster_peers"]) == sorted(ids.values()))


def test_check_mode_reports_no_changes_and_no_secret(nodes):
    """A --check --diff run on the converged network changes nothing and prints no secret."""
    ephemeral = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]
    secrets_ = [open(os.path.join(ephemeral, f"storage.{kind}")).read().strip() for kind in ("secret", "psk")]
    result = playbook("playbooks/site.yml", "--check", "--diff", "-v")
    out = result.stdout + result.stderr
    assert result.returncode == 0, failures(out)
    changed = re.findall(r"^changed: \[[^\]>]*\].*$", out, re.M)
    assert not changed, changed
    for name in nodes:
        assert re.search(rf"^{name}\s*: ok=\d+\s+changed=0 ", out, re.M), failures(out)
    for secret in secrets_:
        assert secret not in out and secret.upper() not in out

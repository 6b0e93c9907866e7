"""Rotating the swarm key and the cluster secret of a running crdt network (playbooks/rotate.yml).

It runs last (after test_operations, which leaves o1-o3 trusting every peer): the inventory's
secrets change the way an operator's vault does, and stay changed.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
from pathlib import Path

import pytest
from pinfleet_hosts import (
    INVENTORY,
    ROOT,
    Prober,
    add_files,
    address,
    changes,
    failures,
    ipfs,
    playbook,
    starts,
    wait_for,
)
from test_operations import FIRST, TRUST_ALL, assert_network

EPHEMERAL = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
# What the scenario's inventory reads its secrets from (molecule's shared config).
KEY_FILE, SECRET_FILE = EPHEMERAL / "storage.psk", EPHEMERAL / "storage.secret"
# The longest a peer may go without answering while every peer restarts at once.
OUTAGE_BOUND = 60


def cut_off(node, others: list[str], port: int):
    """Nothing on a TCP port between the node and the others, either way, until mend(node)."""
    peers = "{ " + ", ".join(others) + " }"
    node.check_output(f"nft add table inet fault && nft add chain inet fault input"
                      f" '{{ type filter hook input priority -10; }}'"
                      f" && nft add rule inet fault input ip saddr '{peers}' tcp dport {port} drop"
                      f" && nft add rule inet fault input ip saddr '{peers}' tcp sport {port} drop")


def mend(node):
    node.run("nft delete table inet fault")


def on_hosts(nodes) -> dict[str, tuple[str, str]]:
    """The swarm key (hex) and cluster secret each node runs with, from its files."""
    return {name: (node.check_output("tail -n1 /var/lib/ipfs/swarm.key").strip(),
                   json.loads(node.check_output("cat /var/lib/ipfs-cluster/service.json"))["cluster"]["secret"])
            for name, node in nodes.items()}


def pinned_everywhere(nodes, cids: list[str]) -> bool:
    return all(set(cids) <= set(ipfs(node, "pin", "ls", "--type=recursive", "--quiet").stdout.split())
               for node in nodes.values())


def longest_silence(rounds: list[dict], name: str, answer: int) -> int:
    """The most rounds in a row (about a second each) in which the node did not answer."""
    longest = run = 0
    for r in rounds:
        run = 0 if r[name][answer] else run + 1
        longest = max(longest, run)
    return longest


@pytest.fixture(scope="module")
def pins(nodes):
    cids = add_files(nodes["o1"], 3)
    wait_for("the new pins pinned on the three", lambda: pinned_everywhere(nodes, cids), timeout=120)
    return cids


def test_a_new_key_and_secret_are_refused_by_site_then_rotated_while_serving(nodes, pins):
    old = on_hosts(nodes)
    new_key, new_secret = secrets.token_hex(32), secrets.token_hex(32)
    KEY_FILE.write_text(new_key + "\n")
    SECRET_FILE.write_text(new_secret + "\n")
    before = {name: starts(node) for name, node in nodes.items()}

    refused = playbook("playbooks/site.yml", *TRUST_ALL)
    out = refused.stdout + refused.stderr
    assert refused.returncode != 0 and "kubo_swarm_key is not the key the running network uses" in out, failures(out)
    assert "playbooks/rotate.yml" in out
    assert on_hosts(nodes) == old and {name: starts(node) for name, node in nodes.items()} == before

    prober = Prober(nodes, pins[0])
    prober.start()
    try:
        result = playbook("playbooks/rotate.yml")
    finally:
        prober.stop.set()
        prober.join()
    out = result.stdout + result.stderr
    assert result.returncode == 0, failures(out)
    assert "Rotated the swarm key and cluster secret on 3 peers" in out, out[-3000:]
    assert on_hosts(nodes) == dict.fromkeys(nodes, (new_key, new_secret))
    assert_network(FIRST, pins, trusted=["*"])
    # Every peer restarted once, all together, and answered again within the bound.
    after = {name: starts(node) for name, node in nodes.items()}
    assert all(after[n]["ipfs"] != before[n]["ipfs"] and after[n]["ipfs-cluster"] != before[n]["ipfs-cluster"]
               for n in nodes), (before, after)
    silences = {name: (longest_silence(prober.rounds, name, 0), longest_silence(prober.rounds, name, 1))
                for name in nodes}
    # The measured outage, kept with the test bed's logs (the README quotes it).
    report = re.search(r"Seconds from the stop until the peer saw every other again: ([^\"]*)\.\"", out)
    figures = Path(os.environ["PINFLEET_CACHE"]) / "logs" / "rotation-outage.txt"
    figures.write_text(f"prober, rounds (about a second each) without an answer (REST API, kubo) per peer: {silences}\n"
                       f"rotate.yml: {report.group(0) if report else '(no report line)'}\n")
    assert max(max(s) for s in silences.values()) <= OUTAGE_BOUND, silences
    assert len(prober.rounds) > 5 and all(prober.rounds[-1][name] == (True, True) for name in nodes), prober.rounds[-3:]

    # What the rotation wrote is what site.yml renders: a site run now changes nothing.
    again = playbook("playbooks/site.yml", *TRUST_ALL)
    out = again.stdout + again.stderr
    assert again.returncode == 0, failures(out)
    for name in nodes:
        assert re.search(rf"^{name}\s+: ok=\d+\s+changed=0 ", out, re.M), changes(out)
    assert {name: starts(node) for name, node in nodes.items()} == after


def test_a_rotation_whose_new_secret_cannot_form_the_cluster_rolls_back(nodes, pins):
    """Once the peers are down for the rotation, o1 can no longer reach the others' cluster swarm, nor they its:
    the cluster cannot form on the new secret. The cut ends as the run rolls back, so every peer must come back
    on the secret it had, with every pin."""
    old = on_hosts(nodes)
    SECRET_FILE.write_text(secrets.token_hex(32) + "\n")
    others = [address(node) for name, node in nodes.items() if name != "o1"]
    cmd = ["ansible-playbook", "-i", INVENTORY, str(ROOT / "playbooks/rotate.yml"), "-e", "pinfleet_rotate_timeout=20"]
    run = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           env=dict(os.environ, ANSIBLE_NOCOLOR="1", PYTHONUNBUFFERED="1"))
    lines, cutting = [], False
    try:
        for line in run.stdout:
            lines.append(line)
            if "TASK [Stop the daemons that read the secret" in line:
                cut_off(nodes["o1"], others, 9096)
                cutting = True
            if "TASK [Stop the daemons again]" in line:
                break
        else:
            pytest.fail("the rotation did not roll back:\n" + "".join(lines[-60:]))
    finally:
        if cutting:
            mend(nodes["o1"])
    lines.extend(run.stdout)
    run.wait(timeout=600)
    out = "".join(lines)
    assert run.returncode != 0, out[-3000:]
    assert "The network did not form on the new cluster secret" in out and "every peer went back" in out, \
        failures(out)
    assert "has not formed on it either" not in out, failures(out)
    assert on_hosts(nodes) == old
    assert_network(FIRST, pins, trusted=["*"])
    # The inventory keeps the new secret: the operator puts the old one back (or fixes the cause and rotates).
    SECRET_FILE.write_text(old["o1"][1] + "\n")

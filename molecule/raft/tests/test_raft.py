"""A raft cluster whose REST API is exposed over HTTPS with basic auth: upgraded (stop_all), grown, shrunk, rotated.

The tests run in file order, each starting from where the previous one left the cluster.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import shutil
import ssl
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from pinfleet_hosts import (
    CLUSTER_PATH,
    address,
    changes,
    cluster_ctl,
    failures,
    fingerprint,
    host,
    inventory_groups,
    inventory_with,
    playbook,
    power,
    reachable,
    starts,
    wait_for,
)
from rest_prober import RestProber

STORAGE = inventory_groups()["storage"]
ALL = ["r1", "r2", "r3", "r4", "r5"]
PASSWORD_FILE = os.path.join(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", ""), "admin.password")
EPHEMERAL = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", ""))
UPGRADES = EPHEMERAL / "upgrades"
# The versions the upgrade test below leaves, which the inventory names from then on.
NEW_VERSIONS = (f"kubo_version={os.environ.get('PINFLEET_KUBO_VERSION')}"
                f" cluster_version={os.environ.get('PINFLEET_CLUSTER_VERSION')}")


@pytest.fixture(scope="module")
def peers():
    return {name: host(name) for name in STORAGE}


def password() -> str:
    with open(PASSWORD_FILE) as handle:
        return handle.read().strip()


def ctl(node, *args, check: bool = True):
    return cluster_ctl(node, "--https", "--no-check-certificate", "--basic-auth", f"admin:{password()}",
                       "--host", f"/ip4/{address(node)}/tcp/9094", *args, check=check)


def api(node, path: str, user: str, password: str):
    """GET the REST API from the test bed's host, the one admin source."""
    request = urllib.request.Request(f"https://{address(node)}:9094{path}")
    request.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def test_raft_peers_see_each_other(peers):
    ids = {name: json.loads(ctl(node, "--enc=json", "id").stdout)["id"] for name, node in peers.items()}
    for name, node in peers.items():
        info = json.loads(ctl(node, "--enc=json", "id").stdout)
        assert sorted(info["cluster_peers"]) == sorted(ids.values()), name
        assert not info["ipfs"].get("error")


def add_pin(node, members: int = 3) -> str:
    """Add a file through the cluster and wait until every member pins it.

    raft commits it through its leader: right after restarts, wait for one.
    """
    node.check_output(f"printf 'raft {secrets.token_hex(16)}' > /tmp/pin.txt")
    # Generous waits: on a loaded 2-core machine an election and a fetch by five kubo nodes can take minutes.
    added = wait_for("a raft leader to commit a pin", lambda: ctl(node, "add", "-Q", "/tmp/pin.txt", check=False),
                     timeout=180)
    cid = added.stdout.strip()
    wait_for(f"{cid} pinned on all {members}", lambda: pinned_everywhere(node, cid, members), timeout=180)
    return cid


def pinned_everywhere(node, cid: str, members: int = 3) -> bool:
    info = json.loads(ctl(node, "--enc=json", "status", cid).stdout)
    return len(info["peer_map"]) == members and {p["status"] for p in info["peer_map"].values()} == {"pinned"}


def test_a_pin_is_replicated(peers):
    add_pin(peers[STORAGE[0]])


def test_rest_api_wants_the_right_password_over_https(peers):
    node = peers[STORAGE[0]]
    assert api(node, "/id", "admin", password() + "x")[0] == 401
    assert api(node, "/id", "nobody", password())[0] == 401
    status, body = api(node, "/id", "admin", password())
    assert status == 200 and json.loads(body)["peername"] == STORAGE[0]
    # Plain HTTP is not served.
    with pytest.raises(Exception):  # noqa: B017 - any failure: reset, bad status line, timeout
        urllib.request.urlopen(f"http://{address(node)}:9094/id", timeout=5)


def test_a_rolling_upgrade_is_refused(peers):
    """Restarting raft peers one at a time can crash them: upgrade_strategy=rolling is refused, nothing changed."""
    before = {name: fingerprint(node) for name, node in peers.items()}
    result = playbook("playbooks/upgrade.yml", "-e", NEW_VERSIONS, "-e", "upgrade_strategy=rolling")
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "upgrade_strategy=rolling restarts one raft peer" in out and "Nothing was changed" in out, failures(out)
    assert {name: fingerprint(node) for name, node in peers.items()} == before


def test_stop_all_upgrade_keeps_the_raft_log(peers):
    """raft's default strategy: every peer stopped, upgraded, started; the log and every pin survive."""
    shutil.rmtree(UPGRADES, ignore_errors=True)
    cids = [add_pin(peers[STORAGE[1]]) for _pin in range(2)]
    kubo, cluster = os.environ["PINFLEET_KUBO_VERSION"], os.environ["PINFLEET_CLUSTER_VERSION"]
    assert peers[STORAGE[0]].check_output("ipfs version --number") != kubo.lstrip("v"), "deployed at the new version"
    result = playbook("playbooks/upgrade.yml", "-e", NEW_VERSIONS)
    out = result.stdout + result.stderr
    assert result.returncode == 0, failures(out)
    summary = json.loads(sorted(UPGRADES.glob("*/summary.json"))[-1].read_text())
    assert summary["strategy"] == "stop_all" and summary["outcome"] == "upgraded", summary
    for name, node in peers.items():
        assert node.check_output("ipfs version --number") == kubo.lstrip("v"), name
        assert node.check_output("ipfs-cluster-service --version").split()[-1].split("+")[0] == cluster.lstrip("v")
    test_raft_peers_see_each_other(peers)
    for cid in cids:
        wait_for(f"{cid} still pinned on all three", lambda cid=cid: pinned_everywhere(peers[STORAGE[2]], cid),
                 timeout=180)
    # The upgraded peers elect a leader and commit new pins.
    add_pin(peers[STORAGE[2]])
    # The raft log was kept, not cleaned up (state cleanup moves it to raft.old.N).
    for name, node in peers.items():
        assert "raft.old" not in node.check_output("ls /var/lib/ipfs-cluster"), name
    test_rest_api_wants_the_right_password_over_https(peers)


def files_and_daemons(nodes: dict) -> dict:
    """What a refused run must leave alone on each node; a restarted peer that came back counts as unchanged."""
    return {name: {k: v for k, v in fingerprint(node).items() if k != "pids"} for name, node in nodes.items()}


def site(storage: list[str], name: str) -> subprocess.CompletedProcess:
    return playbook("playbooks/site.yml", "-e", NEW_VERSIONS,
                    inventory=inventory_with(name, storage=storage, spare=[n for n in ALL if n not in storage]))


def test_growth_without_a_majority_to_spare_is_refused(peers):
    """With r2's peer down, 2 of 3 members answer: should r4 not come up, 2 of 4 could not commit. Refused, nothing
    changed, r4 not even installed."""
    before = files_and_daemons(peers)
    peers["r2"].check_output("systemctl stop ipfs-cluster")
    try:
        result = site(ALL[:4], "refused-growth")
    finally:
        peers["r2"].check_output("systemctl start ipfs-cluster")
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "r4 cannot join the running raft cluster of r1, r2, r3" in out, failures(out)
    assert "only 2 of the 3 raft members answer, too few to stay a majority of 4" in out, failures(out)
    assert not host("r4").file(CLUSTER_PATH).exists
    wait_for("r2 back among the members", lambda: len(json.loads(ctl(peers["r1"], "--enc=json", "id").stdout)
                                                      ["cluster_peers"]) == 3)
    assert files_and_daemons(peers) == before


def test_grow_from_three_to_four_to_five_while_serving(peers):
    """r4, then r5, join by the inventory: each bootstraps to a running member and gets the leader's snapshot.
    A client pins and reads through the REST APIs all along; no running member restarts."""
    # The upgrade rendered the configs as site.yml does: the first site run after it changes nothing.
    before = {name: starts(host(name)) for name in ALL[:3]}
    settled = site(ALL[:3], "settled")
    out = settled.stdout + settled.stderr
    assert settled.returncode == 0, failures(out)
    assert all(re.search(rf"^{name}\s*: ok=\d+\s+changed=0 ", out, re.M) for name in ALL[:3]), changes(out)
    assert {name: starts(host(name)) for name in ALL[:3]} == before, "a peer restarted after the upgrade"
    old = add_pin(peers["r1"])
    prober = RestProber([f"https://{address(node)}:9094" for node in peers.values()], "admin", password())
    prober.start()
    try:
        for size in (4, 5):
            running = {name: starts(host(name)) for name in ALL[:size - 1]}
            result = site(ALL[:size], f"grown-{size}")
            assert result.returncode == 0, failures(result.stdout + result.stderr)
            assert {name: starts(host(name)) for name in running} == running, "a running member restarted"
    finally:
        prober.finish()
    assert prober.requests > 20 and prober.failures == [], prober.failures
    members = {name: host(name) for name in ALL}
    ids = sorted(json.loads(ctl(node, "--enc=json", "id").stdout)["id"] for node in members.values())
    for name, node in members.items():
        assert sorted(json.loads(ctl(node, "--enc=json", "id").stdout)["cluster_peers"]) == ids, name
        # Later starts go without --bootstrap, which would clean up the raft log.
        assert not node.file("/run/systemd/system/ipfs-cluster.service.d/pinfleet-join.conf").exists, name
        assert "--bootstrap" not in node.check_output("systemctl show -p ExecStart --value ipfs-cluster"), name
    for cid in [old, *prober.cids]:
        wait_for(f"{cid} pinned on all five", lambda cid=cid: pinned_everywhere(members["r5"], cid, 5), timeout=180)
    add_pin(members["r4"], 5)


def test_a_new_member_keeps_its_state_over_a_restart():
    """r5 joined with --bootstrap once: restarted now, with the others running, it keeps its raft log and pins."""
    r5 = host("r5")
    r5.check_output("systemctl restart ipfs-cluster")
    assert "raft.old" not in r5.check_output(f"ls {CLUSTER_PATH}")
    wait_for("r5 sees the five members again",
             lambda: len(json.loads(ctl(r5, "--enc=json", "id").stdout)["cluster_peers"]) == 5, timeout=180)
    add_pin(r5, 5)


def test_a_removal_that_loses_the_majority_is_refused(peers):
    """With r2's peer down, removing r3, r4 and r5 would leave r1 alone of the two that stay: refused,
    nothing changed."""
    members = {name: host(name) for name in ALL}
    before = files_and_daemons(members)
    peers["r2"].check_output("systemctl stop ipfs-cluster")
    try:
        result = playbook("playbooks/remove.yml", "-e", NEW_VERSIONS,
                          inventory=inventory_with("refused", storage=["r1", "r2"], decommission=["r3", "r4", "r5"]))
    finally:
        peers["r2"].check_output("systemctl start ipfs-cluster")
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "too few for a majority" in out and "Nothing was changed" in out, failures(out)
    assert peers["r3"].check_output("systemctl is-active ipfs-cluster") == "active"
    wait_for("r2 back among the members", lambda: len(json.loads(ctl(peers["r1"], "--enc=json", "id").stdout)
                                                      ["cluster_peers"]) == 5)
    assert files_and_daemons(members) == before


def test_remove_a_raft_peer():
    """r5 leaves the members, then is stopped and wiped; the four that stay keep running, and still commit pins."""
    stay = {name: host(name) for name in ALL[:4]}
    cid = add_pin(stay["r1"], 5)
    running = {name: starts(node) for name, node in stay.items()}
    result = playbook("playbooks/remove.yml", "-e", NEW_VERSIONS, "-e", "decommission_wipe=true",
                      inventory=inventory_with("removed", storage=ALL[:4], decommission=["r5"]))
    out = result.stdout + result.stderr
    assert result.returncode == 0, failures(out)
    gone = host("r5")
    assert gone.run("systemctl is-active ipfs-cluster ipfs").stdout.split() == ["inactive", "inactive"]
    assert not gone.file(CLUSTER_PATH).exists
    assert {name: starts(node) for name, node in stay.items()} == running, "a member that stays restarted"
    ids = sorted(json.loads(ctl(node, "--enc=json", "id").stdout)["id"] for node in stay.values())
    for name, node in stay.items():
        assert sorted(json.loads(ctl(node, "--enc=json", "id").stdout)["cluster_peers"]) == ids, name
        assert node.check_output("systemctl show -p NRestarts --value ipfs-cluster") == "0", name
    assert pinned_everywhere(stay["r2"], cid, 4)
    add_pin(stay["r2"], 4)
    targets = [(address(node), port) for node in stay.values() for port in (4001, 9096)]
    assert reachable(gone, targets) == []


def test_a_change_with_members_down_follows_the_majority_rule():
    """r4 down: the three others are a majority of the four, so a change goes ahead, r4 keeping its place, and an
    upgrade, which needs every member, is refused; r3 down too: two of four are not, so the run is refused, naming
    both, before any change. Back, a plain run converges them."""
    members = {name: host(name) for name in ALL[:4]}
    admin = ("-e", json.dumps({"firewall_admin_sources": ["10.89.0.1"]}))
    inventory = inventory_with("members-down", storage=ALL[:4], spare=["r5"])
    ids = sorted(json.loads(ctl(node, "--enc=json", "id").stdout)["id"] for node in members.values())
    r4_address = address(members["r4"])
    power("r4", False)
    try:
        result = playbook("playbooks/site.yml", "-e", NEW_VERSIONS, *admin, inventory=inventory)
        out = result.stdout + result.stderr
        assert result.returncode == 4, failures(out)
        assert "r4: not in this run (unreachable, or left out by --limit); it keeps its place" in " ".join(out.split())
        for name in ALL[:3]:
            rules = members[name].check_output("cat /etc/pinfleet/firewall.nft")
            assert "10.89.0.1" in rules and r4_address in rules, name
            assert sorted(json.loads(ctl(members[name], "--enc=json", "id").stdout)["cluster_peers"]) == ids, name
        # An upgrade stops and starts the raft members together: refused without r4, before any change.
        before = files_and_daemons({name: members[name] for name in ALL[:3]})
        result = playbook("playbooks/upgrade.yml", "-e", f"kubo_version={os.environ['PINFLEET_KUBO_OLD_VERSION']}"
                          f" cluster_version={os.environ['PINFLEET_CLUSTER_VERSION']}", *admin, inventory=inventory)
        out = " ".join((result.stdout + result.stderr).split())
        assert result.returncode not in (0, 4), out
        assert "r4 of group 'storage' is not in this run (unreachable, or left out by --limit), and" \
            " upgrade_strategy=stop_all stops, migrates and starts every peer together. Nothing was changed." \
            " Bring it back or remove it (playbooks/remove.yml)." in out, failures(out)
        assert files_and_daemons({name: members[name] for name in ALL[:3]}) == before
        before = files_and_daemons({name: members[name] for name in ALL[:2]})
        power("r3", False)
        try:
            result = playbook("playbooks/site.yml", "-e", NEW_VERSIONS, *admin, inventory=inventory)
        finally:
            power("r3", True)
        out = " ".join((result.stdout + result.stderr).split())
        assert result.returncode not in (0, 4), out
        assert "r3, r4 of the raft cluster are not in this run (unreachable, or left out by --limit): the 2 members" \
            " in it are not a majority of the 4, so raft could neither commit a change nor come back from a restart." \
            " Nothing was changed." in out, failures(out)
        assert files_and_daemons({name: members[name] for name in ALL[:2]}) == before
    finally:
        power("r4", True)
    result = playbook("playbooks/site.yml", "-e", NEW_VERSIONS, *admin, inventory=inventory)
    assert result.returncode == 0, failures(result.stdout + result.stderr)
    for name, node in members.items():
        wait_for(f"{name} sees the four members", lambda node=node: sorted(
            json.loads(ctl(node, "--enc=json", "id").stdout)["cluster_peers"]) == ids, timeout=180)
        assert "10.89.0.1" in node.check_output("cat /etc/pinfleet/firewall.nft"), name
    add_pin(members["r2"], 4)


def test_rotate_the_swarm_key_and_secret_of_the_raft_members():
    """The four members stop together and start on a new swarm key and cluster secret: every member reaches every
    other on them (raft lists members whether they answer or not), a leader commits, and every pin stays."""
    members = {name: host(name) for name in ALL[:4]}
    kept = add_pin(members["r1"], 4)
    new_key, new_secret = secrets.token_hex(32), secrets.token_hex(32)
    # What the scenario's inventory reads its key and secret from, as an operator's vault changes.
    (EPHEMERAL / "storage.psk").write_text(new_key + "\n")
    (EPHEMERAL / "storage.secret").write_text(new_secret + "\n")
    result = playbook("playbooks/rotate.yml", "-e", NEW_VERSIONS,
                      inventory=inventory_with("rotated", storage=ALL[:4], spare=["r5"]))
    out = result.stdout + result.stderr
    assert result.returncode == 0, failures(out)
    assert "Rotated the swarm key and cluster secret on 4 peers" in out, out[-3000:]
    for name, node in members.items():
        assert node.check_output("tail -n1 /var/lib/ipfs/swarm.key").strip() == new_key, name
        assert json.loads(node.check_output(f"cat {CLUSTER_PATH}/service.json"))["cluster"]["secret"] == new_secret
    # Its status comes from every member, over the new secret.
    wait_for(f"{kept} pinned on all four", lambda: pinned_everywhere(members["r4"], kept, 4), timeout=180)
    add_pin(members["r3"], 4)

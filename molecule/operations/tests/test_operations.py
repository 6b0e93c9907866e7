"""Growing the network by editing the inventory, and removing a peer.

The tests run in file order, each starting from where the previous one left the network.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pinfleet_hosts import (
    ROOT,
    Prober,
    add_files,
    address,
    beside_a_run,
    cluster_ctl,
    cluster_id,
    failures,
    fingerprint,
    host,
    inventory_with,
    ipfs,
    peer_id,
    playbook,
    power,
    reachable,
    starts,
    state_folder,
    wait_for,
)

FIRST = ["o1", "o2", "o3"]
ALL = ["o1", "o2", "o3", "o4", "o5"]
PINS = 6
# Every peer trusted: ipfs-cluster reads a list of trusted peers only when it starts.
TRUST_ALL = ("-e", '{"cluster_trusted_peers": ["*"]}')
# ... and the firewalls let in the whole peer network: a peer joins without a change on the others.
OPEN_NETWORK = ("-e", json.dumps({"cluster_trusted_peers": ["*"],
                                   "firewall_peer_sources": [os.environ["PINFLEET_SUBNET"]]}))


def site(storage: list[str], *args: str, **groups: list[str]):
    inventory = inventory_with("-".join(storage), storage=storage, **groups)
    result = playbook("playbooks/site.yml", *args, inventory=inventory)
    assert result.returncode == 0, failures(result.stdout + result.stderr)
    return result


def running(names: list[str]) -> dict[str, dict[str, str]]:
    """When each daemon of those nodes last started."""
    return {name: starts(host(name)) for name in names}


def pin_status(node, cids: list[str]) -> list[dict[str, str]]:
    """For each pin, {peer name: status}, as node sees it."""
    infos = [json.loads(cluster_ctl(node, "--enc=json", "status", cid).stdout) for cid in cids]
    return [{p["peername"]: p["status"] for p in info["peer_map"].values()} for info in infos]


def ssh_logins(names: list[str], since: float, until: float) -> dict[str, int]:
    """How many SSH logins each host's sshd accepted between two moments, by the host's own journal."""
    cmd = (f"journalctl -q -o cat --since @{int(since)} --until @{int(until) + 1}"
           " | grep -c 'Accepted publickey' || true")
    return {name: int(host(name).check_output(cmd) or 0) for name in names}


def assert_network(members: list[str], cids: list[str], trusted: list[str] | None = None, lists: bool = True):
    """Every member sees every other, in the cluster and in kubo, and pins every pin.

    lists=False leaves out the bootstrap lists, which a run limited to a new peer leaves to the others' next run."""
    peers = {name: host(name) for name in members}
    cluster_ids = {name: cluster_id(node)["id"] for name, node in peers.items()}
    kubo_ids = {name: peer_id(node) for name, node in peers.items()}
    for name, node in peers.items():
        wait_for(f"{name} sees the {len(members)} cluster peers",
                 lambda node=node: sorted(cluster_id(node)["cluster_peers"]) == sorted(cluster_ids.values()))
        wait_for(f"{name}'s kubo connected to the {len(members) - 1} others",
                 lambda node=node, name=name: {k for n, k in kubo_ids.items() if n != name}
                 <= {p["Peer"] for p in json.loads(ipfs(node, "swarm", "peers", "--enc=json").stdout)["Peers"] or []})
        config = json.loads(node.check_output("cat /var/lib/ipfs/config"))
        if lists:
            others = {k for n, k in kubo_ids.items() if n != name}
            assert {a.rsplit("/", 1)[-1] for a in config["Bootstrap"]} == others, name
            assert {p["ID"] for p in config["Peering"]["Peers"]} == others, name
        service = json.loads(node.check_output("cat /var/lib/ipfs-cluster/service.json"))
        assert sorted(service["consensus"]["crdt"]["trusted_peers"]) == (trusted or sorted(cluster_ids.values())), name
        wait_for(f"every pin pinned on all {len(members)}, as {name} sees them",
                 lambda node=node: all(s == dict.fromkeys(members, "pinned") for s in pin_status(node, cids)),
                 timeout=180)
        pinned = ipfs(node, "pin", "ls", "--type=recursive", "--quiet").stdout.split()
        assert set(cids) <= set(pinned), name
    # The firewalls let every member in: each reaches the swarm ports of every other.
    for name, node in peers.items():
        targets = [(address(other), port) for n, other in peers.items() if n != name for port in (4001, 9096)]
        assert reachable(node, targets) == targets, name


@pytest.fixture(scope="module")
def content(nodes):
    cids = add_files(nodes["o1"], PINS)
    assert_network(FIRST, cids)
    return cids


SIDE_ADDRESS = "10.99.0.4"


def test_a_host_whose_default_route_is_elsewhere_is_refused_without_the_peer_network(content):
    """o4 gets a second interface holding its default route: without pinfleet_peer_network its default
    address would be one the peers cannot reach, so adding it is refused before any host changes."""
    o4 = host("o4")
    # A second interface (one end of a veth pair) that nothing else is on, holding the default route.
    o4.check_output(f"ip link add side0 type veth peer name side1 && ip addr add {SIDE_ADDRESS}/24 dev side0"
                    " && ip link set side1 up && ip link set side0 up && ip route replace default dev side0")
    assert SIDE_ADDRESS in o4.check_output("ip -4 route get 192.0.2.1")
    before = {name: fingerprint(host(name)) for name in FIRST}
    inventory = inventory_with("dual-homed", storage=ALL[:4], spare=ALL[4:])
    result = playbook("playbooks/site.yml", "-e", "pinfleet_peer_network=", inventory=inventory)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"kubo_address {SIDE_ADDRESS} is on 10.99.0.0/24, where no other peer is" in out, failures(out)
    assert f"pinfleet_peer_network: {os.environ['PINFLEET_SUBNET']}" in out, failures(out)
    assert {name: fingerprint(host(name)) for name in FIRST} == before
    assert not o4.file("/var/lib/ipfs").exists


def test_grow_from_three_to_four_peers_while_serving(nodes, content):
    """A run limited to o4 starts it and names the running peers that must still learn it, changing none; the
    full run then takes o4 live in kubo, and restarts their cluster peers one at a time for the new trust list."""
    before = running(FIRST)
    untouched = {name: fingerprint(host(name)) for name in FIRST}
    result = playbook("playbooks/site.yml", "--limit", "o4",
                      inventory=inventory_with("-".join(ALL[:4]), storage=ALL[:4], spare=ALL[4:]))
    out = result.stdout + result.stderr
    assert result.returncode == 2, failures(out)
    for name in FIRST:
        assert f"{name} needs a run: its firewall must let o4 in and its trusted peers must learn o4" in out, out
    assert {name: fingerprint(host(name)) for name in FIRST} == untouched
    assert host("o4").service("ipfs-cluster").is_running
    prober = Prober(nodes, content[0])
    prober.start()
    try:
        site(ALL[:4], spare=ALL[4:])
        assert_network(ALL[:4], content)
        # The dual-homed o4 is known by its address on the peers' network (pinfleet_peer_network).
        for name in ALL[:4]:
            assert SIDE_ADDRESS not in host(name).check_output(
                "cat /var/lib/ipfs/config /var/lib/ipfs-cluster/service.json /etc/pinfleet/firewall.nft"), name
    finally:
        prober.stop.set()
        prober.join()
    after = running(FIRST)
    assert [n for n in FIRST if after[n]["ipfs"] != before[n]["ipfs"]] == [], "kubo restarted for a new peer"
    assert [n for n in FIRST if after[n]["ipfs-cluster"] != before[n]["ipfs-cluster"]] == FIRST, \
        "the first peers did not take the new trust list"
    api_up = [sum(answers[0] for answers in r.values()) for r in prober.rounds]
    readable = [sum(answers[1] for answers in r.values()) for r in prober.rounds]
    assert len(api_up) > 10 and max(api_up) == 3, api_up
    assert min(api_up) >= 2, f"the REST API answered from fewer than 2 of the first 3 peers: {api_up}"
    assert min(readable) >= 2, f"pinned content was readable on fewer than 2 of the first 3 nodes: {readable}"


def test_with_every_peer_trusted_a_new_peer_restarts_no_running_one(content):
    """Trusting every peer ('*', a restart) and letting in the peer network; then o5 joins by a run limited to it,
    which no other host hears of: none is logged into, no daemon of the four running nodes restarts, and every
    peer sees o5, which pins every pin."""
    site(ALL[:4], *OPEN_NETWORK, spare=ALL[4:])
    assert_network(ALL[:4], content, trusted=["*"])
    before = running(ALL[:4])
    prober = Prober({name: host(name) for name in ALL[:4]}, content[0])
    prober.start()
    try:
        started = time.time()
        result = playbook("playbooks/site.yml", *OPEN_NETWORK, "--limit", "o5",
                          inventory=inventory_with("-".join(ALL), storage=ALL))
        ended = time.time()
        assert result.returncode == 0, failures(result.stdout + result.stderr)
        logins = ssh_logins(ALL, started, ended)
        assert logins["o5"] > 0 and [n for n in ALL[:4] if logins[n]] == [], logins
        assert_network(ALL, content, trusted=["*"], lists=False)
    finally:
        prober.stop.set()
        prober.join()
    assert running(ALL[:4]) == before, "a running node restarted for the new peer"
    # A probe may time out on a busy machine (2 s), not on a peer that is down.
    api_up = [sum(answers[0] for answers in r.values()) for r in prober.rounds]
    readable = [sum(answers[1] for answers in r.values()) for r in prober.rounds]
    assert len(api_up) > 5 and min(api_up) >= 3 and min(readable) >= 3, (api_up, readable)


def test_remove_one_of_five(content):
    """o5 leaves: stopped and disabled, dropped from the others' lists and firewalls, which none of them restarts
    for; the pins stay pinned."""
    stay, gone = ALL[:4], host("o5")
    before = running(stay)
    result = playbook("playbooks/remove.yml", *TRUST_ALL,
                      inventory=inventory_with("remove", storage=stay, decommission=["o5"]))
    assert result.returncode == 0, failures(result.stdout + result.stderr)
    assert gone.run("systemctl is-active ipfs ipfs-cluster").stdout.split() == ["inactive", "inactive"]
    assert gone.run("systemctl is-enabled ipfs ipfs-cluster").stdout.split() == ["disabled", "disabled"]
    # Not wiped unless asked.
    assert gone.file("/var/lib/ipfs-cluster/identity.json").exists
    assert running(stay) == before, "a node that stays restarted"
    for name in stay:
        peering = json.loads(ipfs(host(name), "swarm", "peering", "ls", "--enc=json").stdout)["Peers"] or []
        assert peer_id(gone) not in [p["ID"] for p in peering], name
    assert_network(stay, content, trusted=["*"])
    targets = [(address(host(name)), port) for name in stay for port in (4001, 9096)]
    assert reachable(gone, targets) == []


def test_a_host_down_keeps_its_place_while_the_others_change(content):
    """o4's machine goes down (its container stopped) during a run that changes a setting: the others take it and
    keep o4 in their lists and firewalls, and the run says that o4 was left out, with when it was last seen;
    started again, a plain run converges o4 and restarts nothing else."""
    admin = ("-e", json.dumps({"cluster_trusted_peers": ["*"], "firewall_admin_sources": ["10.89.0.1"]}))
    stay, o4_address, o4_id = FIRST, address(host("o4")), peer_id(host("o4"))
    inventory = inventory_with("-".join(ALL[:4]), storage=ALL[:4], spare=ALL[4:])
    # o4 goes down once the run has checked every host and holds the lock.
    _, returncode, out = beside_a_run(["ansible-playbook", "-i", inventory, str(ROOT / "playbooks/site.yml"), *admin],
                                      state_folder() / "upgrades" / "lock", lambda: power("o4", False))
    # Ansible's status for a run with a host it could not reach.
    assert returncode == 4, failures(out)
    assert re.search(r'"o4: not in this run, last seen \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"', out), failures(out)
    for name in stay:
        node = host(name)
        rules = node.check_output("cat /etc/pinfleet/firewall.nft")
        assert "10.89.0.1" in rules and o4_address in rules, name
        config = json.loads(node.check_output("cat /var/lib/ipfs/config"))
        assert o4_id in [p["ID"] for p in config["Peering"]["Peers"]], name
    before = running(stay)
    power("o4", True)
    # The next run reaches o4 again (its first check would say so were it still down).
    site(ALL[:4], *admin, spare=ALL[4:])
    assert "10.89.0.1" in host("o4").check_output("cat /etc/pinfleet/firewall.nft")
    assert running(stay) == before, "a peer restarted for o4's return"


def test_a_dead_peer_is_diagnosed_then_removed(content):
    """o4's machine is gone (its container stopped): the diagnosis names it, and remove.yml drops it from the rest."""
    o4_address = address(host("o4"))
    subprocess.run(["podman", "stop", "--time", "5", "o4"], check=True, capture_output=True)
    report = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "dead.json"
    result = playbook("playbooks/diagnose.yml", *TRUST_ALL, "-e", f"diagnose_report={report}",
                      inventory=inventory_with("dead", storage=ALL[:4]))
    assert result.returncode != 0
    findings = json.loads(report.read_text())["hosts"]
    assert [f["check"] for f in findings["o4"]] == ["reachable"], failures(result.stdout + result.stderr)
    assert "playbooks/remove.yml" in findings["o4"][0]["fix"]

    result = playbook("playbooks/remove.yml", *TRUST_ALL,
                      inventory=inventory_with("dead-removed", storage=FIRST, decommission=["o4"]))
    out = result.stdout + result.stderr
    assert result.returncode == 0, failures(out)
    assert "o4 cannot be reached" in out and "its daemons are not stopped" in out, failures(out)
    assert_network(FIRST, content, trusted=["*"])
    for name in FIRST:
        assert o4_address not in host(name).check_output("cat /etc/pinfleet/firewall.nft"), name


def sliced(slices: list[list[str]], storage: list[str], job: str) -> list[subprocess.CompletedProcess]:
    """site.yml as the slices of one sliced job: each its own ansible-playbook over part of the inventory, at once,
    with only the state folder (the fleet record, the lock) in common."""
    inventory = inventory_with("-".join(storage), storage=storage)
    with ThreadPoolExecutor(len(slices)) as pool:
        return list(pool.map(lambda hosts: playbook("playbooks/site.yml", *TRUST_ALL, "-e", f"pinfleet_run_id={job}",
                                                    "--limit", ",".join(hosts), inventory=inventory), slices))


def test_slices_of_one_job_converge_the_fleet_as_one_run(content):
    """o5 comes back through three concurrent slices. The first pass adds it where its slice reaches, and the slice
    names the peers outside it that must still let it in; the others leave it out, never recorded. The second pass
    finds every peer recorded and converges all of them as one run would: lists, trust and firewalls."""
    storage = [*FIRST, "o5"]
    first = sliced([["o1"], ["o2"], ["o3", "o5"]], storage, "job-1")
    outs = [r.stdout + r.stderr for r in first]
    assert [r.returncode for r in first] == [0, 0, 2], [failures(out) for out in outs]
    for name in ("o1", "o2"):
        assert f"{name} needs a run: its firewall must let o5 in" in outs[2], failures(outs[2])
    assert "o5: not in this run (unreachable, or left out by --limit), and never recorded" in " ".join(outs[0].split())
    second = sliced([["o1"], ["o2"], ["o3", "o5"]], storage, "job-2")
    assert [r.returncode for r in second] == [0, 0, 0], [failures(r.stdout + r.stderr) for r in second]
    assert_network(storage, content, trusted=["*"])

"""playbooks/diagnose.yml on the three first peers: a clean report, then one injected fault at a time.

Each fault is undone before the next test, and the next test starts by waiting for a healthy cluster.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from pathlib import Path

import pytest
from pinfleet_hosts import address, cluster_ctl, cluster_id, failures, ipfs, playbook, wait_for

REPORT = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "diagnosis.json"
SERVICE = "/var/lib/ipfs-cluster/service.json"


def diagnose(*extra: str) -> tuple[int, dict[str, list[dict]], str]:
    REPORT.unlink(missing_ok=True)
    result = playbook("playbooks/diagnose.yml", "-e", f"diagnose_report={REPORT}", *extra)
    out = result.stdout + result.stderr
    assert REPORT.exists(), failures(out)
    return result.returncode, json.loads(REPORT.read_text())["hosts"], out


def checks(findings: dict[str, list[dict]]) -> dict[str, set[str]]:
    return {host: {f["check"] for f in found} for host, found in findings.items() if found}


@contextlib.contextmanager
def service_edited(node, change: str):
    """service.json changed by a Python expression (on s), with the peer restarted; the original back after."""
    script = (f"import json; p='{SERVICE}'; s=json.load(open(p)); {change};"
              " json.dump(s, open(p, 'w'), indent=2)")
    node.check_output("systemctl stop ipfs-cluster")
    node.check_output(f"cp {SERVICE} /root/service.json.good && python3 -c \"{script}\"")
    node.check_output("systemctl start ipfs-cluster")
    try:
        yield
    finally:
        node.check_output(f"systemctl stop ipfs-cluster && cp /root/service.json.good {SERVICE}"
                          " && systemctl start ipfs-cluster")


@contextlib.contextmanager
def fault_rule(node, hook: str, rule: str):
    """One nftables rule on the node's input or output, ahead of pinfleet's table; removed after, whatever happens."""
    node.check_output(f"nft add table inet fault && nft add chain inet fault {hook}"
                      f" '{{ type filter hook {hook} priority -10; }}' && nft add rule inet fault {hook} {rule}")
    try:
        yield
    finally:
        node.check_output("nft delete table inet fault")


@pytest.fixture(autouse=True)
def healthy_before(nodes):
    for name, node in nodes.items():
        wait_for(f"{name} sees the three peers", lambda node=node: len(cluster_id(node)["cluster_peers"]) == 3,
                 timeout=120)


def test_a_healthy_cluster_gets_a_clean_report():
    rc, findings, out = diagnose()
    assert findings == {"o1": [], "o2": [], "o3": []}, failures(out)
    assert rc == 0
    assert "healthy" in out


def test_a_wrong_secret_on_one_peer(nodes):
    with service_edited(nodes["o2"], "s['cluster']['secret'] = 'ab' * 32"):
        rc, findings, out = diagnose()
    assert rc != 0
    secret = [f for f in findings["o2"] if f["check"] == "cluster secret"]
    assert secret and "set one cluster_secret" in secret[0]["fix"], findings
    assert "ab" * 32 not in out and "ab" * 32 not in REPORT.read_text(), "the report shows a secret"
    assert "cluster secret" not in checks(findings).get("o1", set()) | checks(findings).get("o3", set())


def test_kubo_stopped_on_one_peer(nodes):
    nodes["o3"].check_output("systemctl stop ipfs")
    try:
        rc, findings, _output = diagnose()
    finally:
        nodes["o3"].check_output("systemctl start ipfs ipfs-cluster")
    assert rc != 0
    stopped = [f for f in findings["o3"] if f["problem"] == "ipfs.service is inactive"]
    assert stopped and "systemctl start ipfs.service" in stopped[0]["fix"], findings["o3"]


def local_status(node, cid: str) -> str:
    out = json.loads(cluster_ctl(node, "--enc=json", "status", "--local", cid).stdout)
    return out["peer_map"][cluster_id(node)["id"]]["status"]


def test_a_pin_in_error_is_reported_and_recovered(nodes):
    """o3's cluster peer cannot reach its kubo while a pin is made: the pin stays in error there until recovered."""
    o1, o3 = nodes["o1"], nodes["o3"]
    with fault_rule(o3, "output", "tcp dport 5001 reject with tcp reset"):
        cid = ipfs(o1, "add", "-Q", "--pin=false", stdin=secrets.token_hex(32)).stdout.strip()
        cluster_ctl(o1, "pin", "add", "--no-status", cid)
        wait_for("the pin in error on o3", lambda: local_status(o3, cid) == "pin_error")
    rc, findings, out = diagnose()
    assert rc != 0
    unpinned = [f for f in findings["o3"] if f["check"] == "pin status"]
    assert unpinned and f"{cid} pin_error" in unpinned[0]["problem"], findings["o3"]
    assert "diagnose_recover=true" in unpinned[0]["fix"]
    assert local_status(o3, cid) == "pin_error", "the play without diagnose_recover changed the pin"

    rc, findings, out = diagnose("-e", "diagnose_recover=true")
    recovered = out.split("TASK [Recover the pins in error]")[-1].split("TASK [")[0]
    assert "changed: [o3]" in recovered and "changed: [o1]" not in recovered, failures(out)
    wait_for("the pin recovered on o3", lambda: local_status(o3, cid) == "pinned")
    assert not [f for f in diagnose()[1]["o3"] if f["check"] == "pin status"], "the pin is still reported"


def test_a_wrong_peer_id_in_a_peerstore(nodes):
    """o1's peerstore gives o2's address to o3's ID, as after o2 was rebuilt: diagnosed with its fix, and the peer's
    next start drops the line."""
    o1, o2_address = nodes["o1"], address(nodes["o2"])
    line = f"/ip4/{o2_address}/tcp/9096/p2p/{cluster_id(nodes['o3'])['id']}"
    o1.check_output(f"systemctl stop ipfs-cluster && echo {line} >> /var/lib/ipfs-cluster/peerstore")
    try:
        rc, findings, _output = diagnose()
    finally:
        o1.check_output("systemctl start ipfs-cluster")
    assert rc != 0
    misdial = [f for f in findings["o1"] if f["check"] == "peer IDs"]
    assert misdial and misdial[0]["problem"].startswith(f"misdial: the peerstore says {o2_address}:9096 is"
                                                        f" {line.rsplit('/', 1)[-1]}")
    assert "playbooks/site.yml" in misdial[0]["fix"] and "next start" in misdial[0]["fix"]
    assert line not in o1.check_output("cat /var/lib/ipfs-cluster/peerstore")
    assert f"dropped {line}" in o1.check_output("journalctl -u ipfs-cluster -n 2000 -o cat --no-pager")


def test_a_peer_listed_at_a_former_address(nodes):
    """o1 still lists o2 where o2 was before its address changed (as after a re-addressing): named, with the fix."""
    o2_address, former = address(nodes["o2"]), "10.89.0.250"
    with service_edited(nodes["o1"], f"s['cluster']['peer_addresses'] = [a.replace('/{o2_address}/', '/{former}/')"
                                     " for a in s['cluster']['peer_addresses']]"):
        rc, findings, _output = diagnose()
    assert rc != 0
    stale = [f for f in findings["o1"] if f["check"] == "peer addresses"]
    assert [f["problem"] for f in stale] == [
        f"the peer_addresses lists o2 at {former}:9096, but its address is now {o2_address}"], findings["o1"]
    assert "playbooks/site.yml" in stale[0]["fix"]


def test_9096_blocked_between_two_peers(nodes):
    with fault_rule(nodes["o2"], "input", f"ip saddr {address(nodes['o1'])} tcp dport 9096 drop"):
        rc, findings, _output = diagnose()
    assert rc != 0
    blocked = [f for f in findings["o1"] if f["check"] == "reachability"]
    assert [f["problem"].split(" (")[0] for f in blocked] == ["cannot reach o2 on 9096"], findings["o1"]
    assert "firewall" in blocked[0]["fix"]


def test_a_different_cluster_name(nodes):
    with service_edited(nodes["o3"], "s['consensus']['crdt']['cluster_name'] = 'elsewhere'"):
        rc, findings, _output = diagnose()
    assert rc != 0
    named = [f for f in findings["o3"] if f["check"] == "cluster_name"]
    assert named and "elsewhere" in named[0]["problem"] and "set cluster_name once" in named[0]["fix"]
    assert "cluster_name" not in checks(findings).get("o1", set()) | checks(findings).get("o2", set())

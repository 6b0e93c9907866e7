"""Data lost: one peer's disk, then the cluster's state on every peer; diagnosed, rebuilt by site.yml, and the
pinset restored from a backup.

It runs after test_operations (o1-o3, trusting every peer), whose pins it saves.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from pinfleet_hosts import cluster_ctl, cluster_id, failures, ipfs, peer_id, playbook, state_folder, wait_for
from test_operations import TRUST_ALL

REPORT = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "lost.json"


def pinset(node) -> dict[str, dict]:
    """The pinset as ipfs-cluster-ctl lists it: one JSON document per pin, each over several lines."""
    text, decoder, pins = cluster_ctl(node, "--enc=json", "pin", "ls").stdout, json.JSONDecoder(), {}
    position = 0
    while text[position:].strip():
        pin, position = decoder.raw_decode(text, len(text) - len(text[position:].lstrip()))
        pins[pin["cid"]] = pin
    return pins


def test_a_peer_whose_disk_died_is_rebuilt_and_its_old_identities_forgotten(nodes):
    """o3 loses kubo's repository and its cluster folder (a disk replaced): the diagnosis names both, one site run
    rebuilds o3 with new identities, no other peer keeps the old ones, and o3 pins the whole pinset again."""
    o3, pins = nodes["o3"], set(pinset(nodes["o1"]))
    old = {"cluster": cluster_id(o3)["id"], "kubo": peer_id(o3)}
    o3.check_output("systemctl stop ipfs-cluster ipfs && rm -rf /var/lib/ipfs /var/lib/ipfs-cluster")

    diagnosed = playbook("playbooks/diagnose.yml", *TRUST_ALL, "-e", f"diagnose_report={REPORT}")
    assert diagnosed.returncode != 0
    findings = json.loads(REPORT.read_text())["hosts"]
    assert [f["check"] for f in findings["o3"]] == ["data"], findings["o3"]
    assert ("kubo's repository /var/lib/ipfs and the cluster peer's folder /var/lib/ipfs-cluster are gone"
            in findings["o3"][0]["problem"])

    rebuilt = playbook("playbooks/site.yml", *TRUST_ALL)
    out = rebuilt.stdout + rebuilt.stderr
    assert rebuilt.returncode == 0, failures(out)
    for rebuilt_what in ("kubo repository", "cluster peer"):
        assert f"{rebuilt_what} rebuilt with a new identity" in out, out[-3000:]
    assert cluster_id(o3)["id"] != old["cluster"] and peer_id(o3) != old["kubo"]
    for name, node in nodes.items():
        # The others forget the old IDs now, and after a restart too (the peer saves its peerstore as it stops).
        for restarted in (False, True):
            if restarted and name != "o3":
                node.check_output("systemctl restart ipfs-cluster")
            files = node.check_output("cat /var/lib/ipfs-cluster/peerstore /var/lib/ipfs-cluster/service.json"
                                      " /var/lib/ipfs/config")
            assert old["cluster"] not in files and old["kubo"] not in files, (name, restarted)
        peering = json.loads(ipfs(node, "swarm", "peering", "ls", "--enc=json").stdout)["Peers"] or []
        assert old["kubo"] not in [p["ID"] for p in peering], name
    wait_for("the whole pinset pinned again by o3's kubo", lambda: pins <= set(
        ipfs(o3, "pin", "ls", "--type=recursive", "--quiet").stdout.split()), timeout=180)


def test_a_cluster_whose_state_is_lost_everywhere_is_rebuilt_and_its_pins_restored(nodes):
    before = pinset(nodes["o1"])
    assert len(before) >= 6, before
    saved = playbook("playbooks/backup.yml")
    assert saved.returncode == 0, failures(saved.stdout + saved.stderr)
    backup = sorted((state_folder() / "backups").glob("pinset-*.json"))[-1]
    assert {pin["cid"] for pin in json.loads(backup.read_text())["pins"]} == set(before)

    old_ids = {name: json.loads(cluster_ctl(node, "--enc=json", "id").stdout)["id"] for name, node in nodes.items()}
    for node in nodes.values():
        node.check_output("systemctl stop ipfs-cluster && rm -rf /var/lib/ipfs-cluster")

    # The diagnosis names the lost folder as the cause, and nothing that follows from it.
    diagnosed = playbook("playbooks/diagnose.yml", *TRUST_ALL, "-e", f"diagnose_report={REPORT}")
    assert diagnosed.returncode != 0
    findings = json.loads(REPORT.read_text())["hosts"]
    for name in nodes:
        assert [f["check"] for f in findings[name]] == ["data"], findings[name]
        assert "/var/lib/ipfs-cluster is gone" in findings[name][0]["problem"]
        assert "new identity" in findings[name][0]["fix"]

    rebuilt = playbook("playbooks/site.yml", *TRUST_ALL)
    out = rebuilt.stdout + rebuilt.stderr
    assert rebuilt.returncode == 0, failures(out)
    assert len(re.findall(r"cluster peer rebuilt with a new identity", out)) == len(nodes), out[-3000:]
    for name, node in nodes.items():
        assert json.loads(cluster_ctl(node, "--enc=json", "id").stdout)["id"] != old_ids[name]
    assert pinset(nodes["o1"]) == {}

    restored = playbook("playbooks/restore.yml")
    out = restored.stdout + restored.stderr
    assert restored.returncode == 0, failures(out)
    assert f"Pinned {len(before)} of the {len(before)} pins saved in {backup}" in out, out[-3000:]
    after = pinset(nodes["o1"])
    assert set(after) == set(before)
    assert {cid: pin["name"] for cid, pin in after.items()} == {cid: pin["name"] for cid, pin in before.items()}
    for name, node in nodes.items():
        wait_for(f"every restored pin pinned by {name}'s kubo", lambda node=node: set(before) <= set(
            ipfs(node, "pin", "ls", "--type=recursive", "--quiet").stdout.split()), timeout=120)
    # Run again, it pins nothing twice.
    again = playbook("playbooks/restore.yml")
    assert again.returncode == 0 and f"Pinned 0 of the {len(before)} pins" in again.stdout, failures(again.stdout)

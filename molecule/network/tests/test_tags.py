"""The phase tags the roles' READMEs document, run through the playbooks, with their checks."""

from __future__ import annotations

import re

from pinfleet_hosts import ROOT, failures, playbook

PHASE_TAG = r"`(\w+_(?:preflight|install|configure|service|rules))`"
DOCUMENTED = sorted({tag for readme in (ROOT / "roles").glob("*/README.md")
                     for tag in re.findall(PHASE_TAG, readme.read_text())})


def test_every_documented_tag_is_listed_by_the_site_playbook():
    assert DOCUMENTED == sorted([f"{role}_{phase}" for role in ("kubo", "cluster")
                                 for phase in ("preflight", "install", "configure", "service")]
                                + ["firewall_preflight", "firewall_rules", "monitoring_preflight"])
    result = playbook("playbooks/site.yml", "--list-tags")
    assert result.returncode == 0, result.stderr
    listed = set(re.findall(r"\b\w+\b", " ".join(re.findall(r"TASK TAGS: \[([^]]*)\]", result.stdout))))
    assert set(DOCUMENTED) | {"kubo", "cluster", "firewall", "metrics", "monitoring"} <= listed, result.stdout


def test_the_firewall_tag_puts_back_the_rules_and_touches_nothing_else(nodes):
    name, node = next(iter(nodes.items()))
    before = node.check_output("systemctl show -p MainPID --value ipfs ipfs-cluster")
    node.check_output("nft delete table inet pinfleet")
    result = playbook("playbooks/site.yml", "--tags", "firewall")
    assert result.returncode == 0, failures(result.stdout)
    assert node.run("nft list table inet pinfleet").rc == 0
    # The checks ran first; kubo's and the cluster's own steps did not.
    assert "TASK [pinfleet.ipfs.firewall : Check" in result.stdout
    assert "TASK [Check the firewall inputs]" in result.stdout
    assert "Configure kubo" not in result.stdout and "Install the cluster peer" not in result.stdout
    assert re.search(rf"^{name}\s+: .*changed=[1-9]", result.stdout, re.M), result.stdout[-2000:]
    assert node.check_output("systemctl show -p MainPID --value ipfs ipfs-cluster") == before

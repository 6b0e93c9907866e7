"""Monitoring: a real Prometheus (Debian's package, on m1) scrapes both clusters through the peers' metrics
relays, and pinfleet's alert rules fire on a stopped peer and on pins in error, and clear once they are fixed."""

from __future__ import annotations

import http.server
import json
import os
import secrets
import shlex
import threading
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from pinfleet_hosts import (
    address,
    cluster_ctl,
    connection,
    failures,
    host,
    inventory_groups,
    ipfs,
    playbook,
    reachable,
    wait_for,
)

GROUPS = inventory_groups()
RELAY = 8889
# Where the scenario's Alertmanager posts (molecule.yml): the test bed's host, on the hosts' network.
WEBHOOK = ("10.89.0.1", 9980)
REPORT = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "diagnosis.json"


@pytest.fixture(scope="module")
def peers():
    return {name: host(name) for name in GROUPS["storage"] + GROUPS["top_cluster"]}


@pytest.fixture(scope="module")
def monitor():
    (name,) = GROUPS["monitoring"]
    return host(name)


def prometheus(path: str, **query: str):
    """Ask m1's Prometheus, from the test bed's host, as an operator's browser or Grafana does."""
    url = f"http://{connection(GROUPS['monitoring'][0])['ansible_host']}:9090{path}"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    with urllib.request.urlopen(url, timeout=10) as response:
        answer = json.load(response)
    assert answer["status"] == "success", answer
    return answer["data"]


def values(expr: str) -> dict[str, float]:
    """An instant query's result, by the series' peer label."""
    return {s["metric"]["peer"]: float(s["value"][1]) for s in prometheus("/api/v1/query", query=expr)["result"]}


def targets() -> dict[tuple[str, str], dict]:
    return {(t["labels"]["peer"], t["labels"]["role"]): t for t in prometheus("/api/v1/targets", state="active")[
        "activeTargets"] if t["labels"]["job"].startswith("pinfleet-")}


def alerts(name: str) -> dict[str, str]:
    """The state (pending, firing) of each of the alert's instances, by peer."""
    return {a["labels"].get("peer", ""): a["state"] for a in prometheus("/api/v1/alerts")["alerts"]
            if a["labels"]["alertname"] == name}


def diagnose(*args: str) -> dict:
    """The findings of a diagnosis run (which fails, as it must, when it finds anything)."""
    REPORT.unlink(missing_ok=True)
    run = playbook("playbooks/diagnose.yml", "-e", f"diagnose_report={REPORT}", *args)
    assert REPORT.exists(), failures(run.stdout)
    return json.loads(REPORT.read_text())["hosts"]


def test_prometheus_scrapes_every_peer_with_its_labels():
    expected = {(name, "kubo") for name in GROUPS["storage"]} | {
        (name, "ipfs-cluster") for name in GROUPS["storage"] + GROUPS["top_cluster"]}
    found = wait_for("every target up", lambda: (t := targets()) and set(t) == expected
                     and all(x["health"] == "up" for x in t.values()) and t, timeout=120)
    for (name, _role), target in found.items():
        assert target["labels"]["cluster"] == ("storage" if name in GROUPS["storage"] else "top_cluster"), target
        assert target["scrapeUrl"].startswith(f"http://{connection(name)['ansible_host']}:{RELAY}/metrics/"), target


def test_the_pin_and_peer_metrics_have_the_values_the_clusters_have(peers):
    for group in ("storage", "top_cluster"):
        size = len(GROUPS[group])
        seen = values(f'pinfleet_cluster_peers{{cluster="{group}"}}')
        assert seen == dict.fromkeys(GROUPS[group], size), (group, seen)
        for metric in ("ipfscluster_pins_pin_error", "ipfscluster_pins_pin_queued"):
            assert values(f'{metric}{{cluster="{group}"}}') == dict.fromkeys(GROUPS[group], 0), (group, metric)
    kubo = os.environ["PINFLEET_KUBO_VERSION"].lstrip("v")
    assert values(f'ipfs_info{{version="{kubo}"}}') == dict.fromkeys(GROUPS["storage"], 1)
    assert values("pinfleet_kubo_repo_storage_max_bytes") == dict.fromkeys(GROUPS["storage"], 10e9)
    # Each storage node's kubo is connected to the other one.
    assert values("sum by (peer) (ipfs_p2p_peers_total)") == dict.fromkeys(GROUPS["storage"], 1)
    # What the repository space and version drift alerts compute, on series of these names and labels.
    used = values("pinfleet_kubo_repo_size_bytes / pinfleet_kubo_repo_storage_max_bytes")
    assert set(used) == set(GROUPS["storage"]) and all(0 < share < 0.9 for share in used.values()), used
    drift = prometheus("/api/v1/query", query='count by (cluster, job) (count by (cluster, job, version)'
                       ' (ipfs_info{job="pinfleet-kubo"} or pinfleet_cluster_info{job="pinfleet-cluster"}))')
    assert sorted((s["metric"]["cluster"], s["metric"]["job"], s["value"][1]) for s in drift["result"]) == [
        ("storage", "pinfleet-cluster", "1"), ("storage", "pinfleet-kubo", "1"),
        ("top_cluster", "pinfleet-cluster", "1")]
    # Nothing is firing on the healthy network (the rules were loaded, the drift alert among them).
    rules = [r["name"] for g in prometheus("/api/v1/rules")["groups"] for r in g["rules"]]
    assert {"PinfleetDaemonDown", "PinfleetClusterPeersMissing", "PinfleetPinsInError", "PinfleetPinsQueued",
            "PinfleetRepoSpace", "PinfleetVersionsDrift"} <= set(rules), rules
    assert prometheus("/api/v1/alerts")["alerts"] == []


def test_the_metrics_are_open_to_the_monitor_only(peers, monitor):
    relays = [(address(node), RELAY) for node in peers.values()]
    assert sorted(reachable(monitor, relays)) == sorted(relays)
    # Not the daemons' own APIs and metrics endpoints behind the relays.
    assert reachable(monitor, [(a, p) for a, _port in relays for p in (5001, 8888, 9094)]) == []
    # Not a peer: the relays answer the monitoring sources alone.
    for name, node in peers.items():
        others = [(a, p) for a, p in relays if a != address(node)]
        assert reachable(node, others) == [], name
    # The relay answers its two paths, and nothing else (no profiles, no kubo RPC).
    first = address(next(iter(peers.values())))
    ask = ("import sys, urllib.error, urllib.request\n"
           "try:\n"
           "    print(urllib.request.urlopen(sys.argv[1], timeout=10).status)\n"
           "except urllib.error.HTTPError as exc:\n"
           "    print(exc.code)\n")
    for path, status in (("/metrics/kubo", 200), ("/metrics/cluster", 200), ("/debug/pprof/", 404),
                         ("/api/v0/shutdown", 404)):
        out = monitor.check_output(f"python3 -c {shlex.quote(ask)} http://{first}:{RELAY}{path}")
        assert out == str(status), path


class WebhookReceiver(http.server.ThreadingHTTPServer):
    """The operator's receiver: records each notification Alertmanager posts (its JSON body)."""

    def __init__(self):
        self.notifications: list[dict] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                receiver.notifications.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(WEBHOOK, Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def got(self, status: str, alertname: str, peer: str) -> bool:
        return any(n["status"] == status and any(a["labels"].get("alertname") == alertname
                                                 and a["labels"].get("peer") == peer and a["status"] == status
                                                 for a in n["alerts"]) for n in self.notifications)


@pytest.fixture(scope="module")
def webhook():
    receiver = WebhookReceiver()
    yield receiver
    receiver.shutdown()


def test_a_stopped_cluster_peer_fires_the_down_alert_is_diagnosed_and_site_starts_it(peers, webhook):
    """The alert fires in Prometheus, reaches the operator's webhook through Alertmanager, and clears there too."""
    stopped = GROUPS["storage"][1]
    other = GROUPS["storage"][0]
    peers[stopped].check_output("systemctl stop ipfs-cluster")
    try:
        wait_for(f"PinfleetDaemonDown firing for {stopped}",
                 lambda: alerts("PinfleetDaemonDown").get(stopped) == "firing", timeout=120)
        wait_for(f"the webhook told that PinfleetDaemonDown fires for {stopped}",
                 lambda: webhook.got("firing", "PinfleetDaemonDown", stopped), timeout=60)
        wait_for(f"PinfleetClusterPeersMissing firing for {other}",
                 lambda: alerts("PinfleetClusterPeersMissing").get(other) == "firing", timeout=120)
        # The diagnosis reads the same signal, with its cause: the relay answers, the cluster peer behind it not.
        found = diagnose()
        monitoring = [f for f in found[stopped] if f["check"] == "monitoring"]
        assert monitoring and "ipfs-cluster metrics" in monitoring[0]["problem"], found[stopped]
        assert "the daemon behind it does not" in monitoring[0]["cause"], monitoring
    finally:
        run = playbook("playbooks/site.yml")
    assert run.returncode == 0, failures(run.stdout)
    wait_for("the down and peers alerts cleared", lambda: not alerts("PinfleetDaemonDown")
             and not alerts("PinfleetClusterPeersMissing"), timeout=120)
    wait_for(f"the webhook told that PinfleetDaemonDown is resolved for {stopped}",
             lambda: webhook.got("resolved", "PinfleetDaemonDown", stopped), timeout=60)


def test_a_pin_in_error_fires_the_pin_alert_and_a_recover_clears_it(peers):
    first, second = (peers[name] for name in GROUPS["storage"])
    content = f"monitoring {secrets.token_hex(16)}"
    # Content no peer has: its pin fails on every storage peer (pin_timeout 10s in this scenario).
    cid = ipfs(first, "add", "-Q", "--only-hash", stdin=content).stdout.strip()
    cluster_ctl(first, "pin", "add", cid)
    wait_for("PinfleetPinsInError firing on both storage peers",
             lambda: {p: s for p, s in alerts("PinfleetPinsInError").items() if s == "firing"}
             == dict.fromkeys(GROUPS["storage"], "firing"), timeout=150)
    assert values("ipfscluster_pins_pin_error") == {**dict.fromkeys(GROUPS["storage"], 1),
                                                    **dict.fromkeys(GROUPS["top_cluster"], 0)}
    # The content arrives; the diagnosis's documented fix recovers the pins.
    ipfs(first, "add", "-Q", "--pin=false", stdin=content)
    found = diagnose("-e", "diagnose_recover=true")
    assert any(f["check"] == "pin status" for f in found[GROUPS["storage"][0]]), found
    for name, node in zip(GROUPS["storage"], (first, second), strict=True):
        wait_for(f"{cid} pinned on {name}",
                 lambda node=node: cid in ipfs(node, "pin", "ls", "--type=recursive", "--quiet").stdout.split(),
                 timeout=120)
    wait_for("the pin alert cleared", lambda: not alerts("PinfleetPinsInError"), timeout=120)
    assert values("ipfscluster_pins_pin_error") == dict.fromkeys(GROUPS["storage"] + GROUPS["top_cluster"], 0)


def test_a_monitor_without_peer_metrics_is_refused_before_any_change(peers):
    before = {name: node.check_output("systemctl show -p ActiveEnterTimestampMonotonic --value pinfleet-metrics"
                                      " ipfs-cluster") for name, node in peers.items()}
    run = playbook("playbooks/site.yml", "-e", "pinfleet_metrics=false")
    assert run.returncode != 0, run.stdout[-2000:]
    assert "no peer of storage or top_cluster serves metrics: set pinfleet_metrics: true" in run.stdout, failures(
        run.stdout)
    after = {name: node.check_output("systemctl show -p ActiveEnterTimestampMonotonic --value pinfleet-metrics"
                                     " ipfs-cluster") for name, node in peers.items()}
    assert after == before


def test_monitoring_sources_that_shut_out_the_monitor_are_refused_before_any_change(peers):
    before = {name: node.check_output("cat /etc/pinfleet/firewall.nft") for name, node in peers.items()}
    run = playbook("playbooks/site.yml", "-e", '{"firewall_monitoring_sources": ["10.99.0.1"]}')
    assert run.returncode != 0, run.stdout[-2000:]
    assert "firewall_monitoring_sources (10.99.0.1) shuts out m1 of group monitoring" in run.stdout, failures(
        run.stdout)
    assert {name: node.check_output("cat /etc/pinfleet/firewall.nft") for name, node in peers.items()} == before

import copy

import pytest
from ansible_collections.pinfleet.ipfs.plugins.module_utils.diagnosis import analyse, scan

LISTEN = [{"port": 4001, "what": "IPFS swarm", "unit": "ipfs.service", "holder": "ipfs (pid 10)", "ours": True},
          {"port": 9096, "what": "cluster swarm", "unit": "ipfs-cluster.service", "holder": "ipfs-cluster-se (pid 11)",
           "ours": True}]


def healthy() -> dict[str, dict]:
    hosts = {f"s{i}": f"10.0.0.{i}" for i in (1, 2, 3)}
    reports = {}
    for name, address in hosts.items():
        others = {n: a for n, a in hosts.items() if n != name}
        reports[name] = {
            "address": address,
            "units": {"ipfs.service": "active", "ipfs-cluster.service": "active"},
            "listen": copy.deepcopy(LISTEN),
            "reach": [{"name": n, "address": a, "port": p, "open": True}
                      for n, a in others.items() for p in (4001, 9096)],
            "kubo": {"id": f"K{name}", "swarm_key_digest": "k1", "version": "v0.43.1",
                     "bootstrap": [f"/ip4/{a}/tcp/4001/p2p/K{n}" for n, a in others.items()]},
            "cluster": {"id": f"C{name}", "secret_digest": "c1", "consensus": "crdt", "cluster_name": "pinfleet",
                        "trusted_peers": [f"C{n}" for n in hosts], "running": True, "version": "v1.1.6",
                        "rpc_protocol_version": "/ipfscluster/1.0/rpc", "peers": 3, "ipfs_error": "",
                        "peerstore": [f"/ip4/{a}/tcp/9096/p2p/C{n}" for n, a in others.items()],
                        "peer_addresses": [], "pins": {"bafy1": "pinned", "bafy2": "pinned"}},
            "log": [],
        }
    return reports


def test_a_healthy_network_has_no_finding():
    assert analyse(healthy()) == {"s1": [], "s2": [], "s3": []}


def checks(findings):
    return {host: [f["check"] for f in found] for host, found in findings.items() if found}


def test_a_different_secret_is_named_on_that_host_only_and_never_shown():
    reports = healthy()
    reports["s2"]["cluster"]["secret_digest"] = "c2"
    found = analyse(reports)
    assert checks(found) == {"s2": ["cluster secret"]}
    assert "cluster_secret" in found["s2"][0]["fix"]


@pytest.mark.parametrize("lost", ["cluster", "kubo", "both"])
def test_a_peer_whose_data_is_gone_is_named_for_that_alone(lost):
    """What the diagnosis saw of a peer whose folder was deleted: no identity, no secret, its daemons down."""
    reports = healthy()
    s2 = reports["s2"]
    s2["units"] = {"ipfs.service": "failed", "ipfs-cluster.service": "failed"}
    if lost in ("cluster", "both"):
        s2["cluster"].update(path="/var/lib/ipfs-cluster", data=False, id=None, secret_digest="e3b0", running=False,
                             metrics=False, pins=None, peers=None)
    if lost in ("kubo", "both"):
        s2["kubo"].update(path="/var/lib/ipfs", repo=False, id=None, swarm_key_digest="", bootstrap=[])
    found = analyse(reports, {"m1": {"targets": []}})
    assert [f["check"] for f in found["s2"]] == ["data"], found["s2"]
    problem = found["s2"][0]["problem"]
    assert ("/var/lib/ipfs-cluster" in problem) == (lost != "kubo")
    assert ("kubo's repository /var/lib/ipfs" in problem) == (lost != "cluster")
    assert "new identity" in found["s2"][0]["fix"] and "restarts once" in found["s2"][0]["fix"]
    # The others are not compared with it: no secret, key or version finding anywhere.
    assert not {f["check"] for h in ("s1", "s3") for f in found[h]} & {"cluster secret", "swarm key", "versions"}


def test_a_stopped_kubo_is_named_with_the_connector_error():
    reports = healthy()
    reports["s3"]["units"]["ipfs.service"] = "inactive"
    reports["s3"]["listen"][0].update(holder="", ours=False)
    reports["s3"]["cluster"]["ipfs_error"] = "dial tcp 127.0.0.1:5001: connect: connection refused"
    found = analyse(reports)
    assert checks(found) == {"s3": ["daemons", "cluster to kubo"]}
    assert found["s3"][0]["problem"] == "ipfs.service is inactive"


def test_a_wrong_id_in_a_peerstore_is_a_misdial():
    reports = healthy()
    reports["s1"]["cluster"]["peerstore"][0] = "/ip4/10.0.0.2/tcp/9096/p2p/Cwrong"
    found = analyse(reports)
    assert checks(found) == {"s1": ["peer IDs"]}
    assert found["s1"][0]["problem"].startswith("misdial: the peerstore says 10.0.0.2:9096 is Cwrong")


def test_a_misdial_is_found_on_swarm_ports_other_than_the_defaults():
    """The peers' swarm ports are those their reports list (kubo_swarm_port, cluster_swarm_port), not 4001 and
    9096."""
    reports = healthy()
    for report in reports.values():
        report["listen"][0]["port"], report["listen"][1]["port"] = 4101, 9196
        report["kubo"]["bootstrap"] = [a.replace("/tcp/4001/", "/tcp/4101/") for a in report["kubo"]["bootstrap"]]
        report["cluster"]["peerstore"] = [a.replace("/tcp/9096/", "/tcp/9196/") for a in report["cluster"]["peerstore"]]
    assert analyse(reports) == {"s1": [], "s2": [], "s3": []}
    reports["s1"]["cluster"]["peerstore"][0] = "/ip4/10.0.0.2/tcp/9196/p2p/Cwrong"
    reports["s3"]["kubo"]["bootstrap"][0] = "/ip4/10.0.0.1/tcp/4101/p2p/Kwrong"
    found = analyse(reports)
    assert checks(found) == {"s1": ["peer IDs"], "s3": ["peer IDs"]}
    assert found["s1"][0]["problem"].startswith("misdial: the peerstore says 10.0.0.2:9196 is Cwrong")
    assert found["s3"][0]["problem"].startswith("misdial: the kubo Bootstrap says 10.0.0.1:4101 is Kwrong")


def test_a_peer_listed_at_an_address_it_no_longer_has_is_named():
    """s2 moved to 10.0.0.12: s1's lists still give its former address."""
    reports = healthy()
    reports["s2"]["address"] = "10.0.0.12"
    reports["s1"]["cluster"]["peer_addresses"] = ["/ip4/10.0.0.2/tcp/9096/p2p/Cs2"]
    found = analyse(reports)
    stale = [f for f in found["s1"] if f["check"] == "peer addresses"]
    assert [f["problem"] for f in stale] == [
        "the peer_addresses lists s2 at 10.0.0.2:9096, but its address is now 10.0.0.12",
        "the kubo Bootstrap lists s2 at 10.0.0.2:4001, but its address is now 10.0.0.12"]
    assert "playbooks/site.yml" in stale[0]["fix"]


def test_a_blocked_port_is_named_by_the_host_that_cannot_reach_it():
    reports = healthy()
    reports["s3"]["reach"][1]["open"] = False  # s1:9096
    found = analyse(reports)
    assert checks(found) == {"s3": ["reachability"]}
    assert "cannot reach s1 on 9096" in found["s3"][0]["problem"]


def test_a_port_held_by_another_program_is_named_with_the_program():
    reports = healthy()
    reports["s1"]["listen"][1].update(holder="nc (pid 99)", ours=False)
    assert analyse(reports)["s1"][0]["problem"] == "port 9096 (cluster swarm) is held by nc (pid 99)"


def test_a_different_cluster_name_and_a_missing_trust_and_a_missing_pin():
    reports = healthy()
    reports["s2"]["cluster"]["cluster_name"] = "other"
    reports["s1"]["cluster"]["trusted_peers"] = ["Cs1", "Cs2"]
    del reports["s3"]["cluster"]["pins"]["bafy2"]
    found = analyse(reports)
    assert checks(found) == {"s1": ["trusted peers"], "s2": ["cluster_name"], "s3": ["pinset"]}


def test_an_unreachable_host_is_a_finding():
    reports = healthy()
    reports["s3"] = {"unreachable": True, "msg": "ssh: connect to host s3 port 22: No route to host"}
    found = analyse(reports)
    assert found["s3"][0]["check"] == "reachable" and "No route to host" in found["s3"][0]["problem"]


@pytest.mark.parametrize(("line", "key"), [
    ("failed to dial 12D3KooW: dial backoff: peer id mismatch: expected 12D3A, but remote key matches 12D3B",
     "misdial"),
    ("dial tcp4 10.89.0.7:9096: connect: connection refused", "connection refused"),
    ("ERROR cluster: context deadline exceeded", "context deadline exceeded"),
    ("dial attempt failed: incoming message was too large", "incoming message was too large"),
    ("failed to negotiate protocol: protocols not supported: [/ipfscluster/0.13/rpc]", "version not supported"),
    ("Error: AutoConf cannot use the default mainnet URL (https://x) on a private network",
     "AutoConf on a private network"),
    ("privnet: could not read full nonce", "private network handshake"),
])
def test_known_log_messages_are_recognised(line, key):
    assert scan(["unrelated line", line, line]) == [{"key": key, "count": 2, "line": line}]


def target(peer: str, role: str, health: str = "up", error: str = "") -> dict:
    path = "kubo" if role == "kubo" else "cluster"
    return {"labels": {"peer": peer, "role": role, "cluster": "storage", "job": f"pinfleet-{path}"},
            "health": health, "lastError": error, "scrapeUrl": f"http://10.0.0.{peer[-1]}:8889/metrics/{path}"}


def monitored() -> tuple[dict, dict]:
    reports = healthy()
    for report in reports.values():
        report["cluster"]["metrics"] = True
    targets = [target(host, role) for host in reports for role in ("kubo", "ipfs-cluster")]
    return reports, {"m1": {"targets": targets}}


def test_a_monitored_healthy_network_has_no_finding():
    reports, monitors = monitored()
    assert analyse(reports, monitors) == {"s1": [], "s2": [], "s3": []}


def test_metrics_off_is_a_finding_only_where_a_monitor_watches():
    reports, monitors = monitored()
    reports["s2"]["cluster"]["metrics"] = False
    assert analyse(reports) == {"s1": [], "s2": [], "s3": []}
    found = analyse(reports, monitors)
    assert checks(found) == {"s2": ["metrics"]}
    assert "pinfleet_metrics: true" in found["s2"][0]["fix"]


def test_a_target_the_monitor_cannot_scrape_is_named_with_its_cause():
    reports, monitors = monitored()
    monitors["m1"]["targets"][3] = target("s2", "ipfs-cluster", "down", "server returned HTTP status 502 Bad Gateway")
    timeout = 'Get "http://10.0.0.1:8889/metrics/cluster": context deadline exceeded'
    monitors["m1"]["targets"].append(target("t1", "ipfs-cluster", "down", timeout))
    found = analyse(reports, monitors)
    assert checks(found) == {"s2": ["monitoring"], "m1": ["monitoring"]}
    assert "daemon behind it does not" in found["s2"][0]["cause"]
    assert found["s2"][0]["problem"].startswith("m1 cannot read the ipfs-cluster metrics of s2")
    # A peer not diagnosed here (a top cluster's) is named under the monitor.
    assert "firewall_monitoring_sources" in found["m1"][0]["fix"]


def test_a_target_at_a_former_address_is_blamed_on_the_targets_not_a_firewall():
    """s3 moved to 10.0.0.9: the monitor still scrapes 10.0.0.3 and times out."""
    reports, monitors = monitored()
    reports["s3"]["address"] = "10.0.0.9"
    timeout = 'Get "http://10.0.0.3:8889/metrics/kubo": context deadline exceeded'
    monitors["m1"]["targets"][4] = target("s3", "kubo", "down", timeout)
    found = [f for f in analyse(reports, monitors)["s3"] if f["check"] == "monitoring"]
    assert len(found) == 1 and "no longer has (it is now at 10.0.0.9)" in found[0]["cause"], found
    assert "rewrites the monitor's targets" in found[0]["fix"] and "firewall" not in found[0]["fix"]


def test_a_monitor_that_does_not_answer_is_a_finding_of_its_own():
    reports = monitored()[0]
    found = analyse(reports, {"m1": {"error": "Connection refused"}})
    assert checks(found) == {"m1": ["monitoring"]}
    assert "Prometheus on m1 does not answer" in found["m1"][0]["problem"]

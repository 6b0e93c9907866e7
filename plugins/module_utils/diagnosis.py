# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""The knowledge behind playbooks/diagnose.yml: known log messages, and the checks across peers.

peer_diagnosis_info gathers each host's facts; diagnosis_findings (a filter) turns
every host's facts into findings, each with its cause and its fix.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# libp2p, ipfs-cluster and kubo messages that operators meet, with what they mean.
KNOWN_MESSAGES = [
    {
        "key": "misdial",
        "pattern": r"misdial|peer id mismatch",
        "cause": "an address in a peerstore, peer_addresses or Bootstrap list leads to a peer with another ID"
                 " (a host reinstalled with a new identity, or a wrong ID in a list)",
        "fix": "run playbooks/site.yml to rebuild the lists from the real IDs; each start of a cluster peer"
               " drops the peerstore lines whose address peer_addresses gives to another ID",
    },
    {
        "key": "connection refused",
        "pattern": r"connection refused",
        "cause": "nothing listens on the address dialled: the other daemon is down or listens elsewhere",
        "fix": "start the daemon on the other peer (systemctl start ipfs / ipfs-cluster) and check its listen"
               " address; for a peer that left, run playbooks/remove.yml",
    },
    {
        "key": "context deadline exceeded",
        "pattern": r"context deadline exceeded|i/o timeout",
        "cause": "a dial or call got no answer in time: a firewall drops the traffic, the host is down, or"
                 " the other peer uses another cluster secret",
        "fix": "check that the peers reach each other on their swarm ports (tested in this report), that no"
               " firewall drops them (playbooks/site.yml rebuilds pinfleet's) and that the secrets match",
    },
    {
        "key": "incoming message was too large",
        "pattern": r"incoming message was too large",
        "cause": "the other side uses another cluster secret: the private network handshake fails this way",
        "fix": "set one cluster_secret for the whole group (group_vars) and run playbooks/site.yml",
    },
    {
        "key": "version not supported",
        "pattern": r"(version|protocols?) not supported",
        "cause": "peers run versions that do not speak the same protocol (the cluster's RPC protocol"
                 " differs)",
        "fix": "bring every peer to the same versions with playbooks/upgrade.yml",
    },
    {
        "key": "private network handshake",
        "pattern": r"could not read full nonce|privnet",
        "cause": "a private network handshake failed: a node with another swarm key, or one without any,"
                 " dialled in or was dialled",
        "fix": "give every node the same kubo_swarm_key and run playbooks/site.yml; keep other networks'"
               " nodes out with the firewall",
    },
    {
        "key": "AutoConf on a private network",
        "pattern": r"AutoConf cannot use the default mainnet URL|no usable bootstrap peers",
        "cause": "kubo's AutoConf is on, or Bootstrap is [\"auto\"], with a swarm key: kubo refuses to start"
                 " (the 0.37 repository migration turns them on)",
        "fix": "run playbooks/site.yml, which sets AutoConf.Enabled=false and the peers' Bootstrap list;"
               " change versions only with playbooks/upgrade.yml",
    },
    {
        "key": "no swarm key",
        "pattern": r"not in private network|ErrNotInPrivateNetwork|private network.*(no|without).*(key|PSK)",
        "cause": "LIBP2P_FORCE_PNET=1 and no swarm key: the daemon refuses to start rather than join the"
                 " public network",
        "fix": "restore the key (playbooks/site.yml writes swarm.key from kubo_swarm_key)",
    },
    {
        "key": "transport not for private networks",
        "pattern": r"does not support private networks|Private network does not work with Routing",
        "cause": "a transport or routing setting that kubo refuses on a private network (QUIC, WebTransport,"
                 " WebRTC, Routing.Type auto)",
        "fix": "run playbooks/site.yml, which sets TCP only and Routing.Type dht",
    },
]

_KNOWN = [(m, re.compile(m["pattern"], re.I)) for m in KNOWN_MESSAGES]


def scan(lines: list[str]) -> list[dict]:
    """The known messages among log lines: key, count, the last line seen."""
    seen: dict[str, dict] = {}
    for line in lines:
        for message, pattern in _KNOWN:
            if pattern.search(line):
                entry = seen.setdefault(message["key"], {"key": message["key"], "count": 0})
                entry["count"] += 1
                entry["line"] = line.strip()[:400]
                break
    return list(seen.values())


def explain(key: str) -> dict:
    return next(m for m in KNOWN_MESSAGES if m["key"] == key)


def _p2p(addr: str) -> tuple[str, str, str] | None:
    """'/ip4/10.0.0.1/tcp/9096/p2p/12D3…' -> ('10.0.0.1', '9096', '12D3…')."""
    parts = addr.strip().strip("/").split("/")
    if len(parts) >= 6 and parts[2] == "tcp" and parts[4] in ("p2p", "ipfs"):
        return parts[1], parts[3], parts[5]
    return None


def _finding(check: str, problem: str, fix: str, cause: str = "") -> dict:
    return {"check": check, "problem": problem, "cause": cause, "fix": fix}


def _majority_split(values: dict[str, str]) -> tuple[str, list[str]]:
    """The most common value, and the hosts that differ from it."""
    counts: dict[str, int] = {}
    for value in values.values():
        counts[value] = counts.get(value, 0) + 1
    common = max(counts, key=lambda v: (counts[v], v))
    return common, sorted(h for h, v in values.items() if v != common)


# What every peer must agree on: check, how to read it, what it is, the fix.
_AGREEMENT = [
    ("cluster secret", lambda r: r["cluster"].get("secret_digest"), "the cluster secret (digest)",
     "set one cluster_secret for the group (group_vars) and run playbooks/site.yml"),
    ("swarm key", lambda r: r["kubo"].get("swarm_key_digest"), "the swarm key (digest)",
     "set one kubo_swarm_key for the group (group_vars) and run playbooks/site.yml"),
    ("versions", lambda r: r["kubo"].get("version"), "kubo's version",
     "bring every peer to the same version with playbooks/upgrade.yml"),
    ("versions", lambda r: r["cluster"].get("version"), "ipfs-cluster's version",
     "bring every peer to the same version with playbooks/upgrade.yml"),
    ("versions", lambda r: r["cluster"].get("rpc_protocol_version"), "the cluster RPC protocol",
     "peers on different RPC protocols cannot talk: playbooks/upgrade.yml"),
    ("consensus", lambda r: r["cluster"].get("consensus"), "the consensus",
     "set cluster_consensus once for the group; a peer cannot change it in place"),
    ("cluster_name", lambda r: r["cluster"].get("cluster_name"), "cluster_name",
     "set cluster_name once for the group (group_vars) and run playbooks/site.yml: peers with another"
     " name see each other but never share pins"),
]


def _agreement(up: dict[str, dict]) -> list[tuple[str, dict]]:
    found = []
    for check, key_of, what, fix in _AGREEMENT:
        values = {h: key_of(r) for h, r in up.items() if key_of(r) not in (None, "")}
        if len(set(values.values())) <= 1:
            continue
        common, odd = _majority_split(values)
        if len(odd) * 2 >= len(values):  # no majority (two peers, say): name them all
            odd = sorted(values)
        found += [(host, _finding(check, f"{what} differs from the other peers' ({values[host]} here,"
                                         f" {common} on most)", fix)) for host in odd]
    return found


def _lost(r) -> dict | None:
    """A peer whose repository or cluster folder is gone: every other finding about it follows from that."""
    gone = [f"{what} {part['path']}" for what, part, there in (
        ("kubo's repository", r["kubo"], r["kubo"].get("repo", True)),
        ("the cluster peer's folder", r["cluster"], r["cluster"].get("data", True))) if not there]
    if not gone:
        return None
    return _finding("data", f"{' and '.join(gone)} {'is' if len(gone) == 1 else 'are'} gone (no identity, key,"
                            " secret or pinset here), so the daemons cannot run as this peer",
                    "run playbooks/site.yml: it rebuilds the peer with a new identity and it fetches the pinset from"
                    " the others; the others take the new identity into their lists, and with the default"
                    " cluster_trusted_peers every other cluster peer restarts once, one at a time, to trust it",
                    "the folder was deleted, or its disk failed or was replaced")


def _daemons(host, r, up):
    found = [_finding("daemons", f"{unit} is {state}",
                      f"systemctl start {unit}; journalctl -u {unit} says why it stopped")
             for unit, state in r["units"].items() if state != "active"]
    for listen in r["listen"]:
        if listen["holder"] and not listen["ours"]:
            found.append(_finding("listen addresses", f"port {listen['port']} ({listen['what']}) is held by"
                                                      f" {listen['holder']}",
                                  f"stop {listen['holder']} or move the {listen['what']} to another port",
                                  "another program listens there, so the daemon cannot"))
        elif not listen["holder"] and r["units"].get(listen["unit"]) == "active":
            found.append(_finding("listen addresses", f"nothing listens on port {listen['port']}"
                                                      f" ({listen['what']}) although {listen['unit']} runs",
                                  "check the listen address in its configuration; playbooks/site.yml sets it"))
    if r["cluster"].get("ipfs_error"):
        found.append(_finding("cluster to kubo", f"the cluster peer cannot reach its IPFS daemon:"
                                                 f" {r['cluster']['ipfs_error']}",
                              "start kubo (systemctl start ipfs) and check cluster_ipfs_node_address"))
    if r["cluster"].get("running") and (r["cluster"].get("peers") or 0) < len(up):
        found.append(_finding("cluster peers", f"the cluster peer sees {r['cluster']['peers']} of {len(up)} peers",
                              "see the other findings: secret, cluster_name, trust and firewalls must agree"))
    return found


def _reachability(host, r, up):
    found = []
    for target in r["reach"]:
        other = up.get(target["name"])
        listening = other and any(int(x["port"]) == int(target["port"]) and x["ours"] for x in other["listen"])
        if not target["open"] and listening:
            found.append(_finding("reachability", f"cannot reach {target['name']} on {target['port']}"
                                                  f" ({target['address']}), where its daemon listens",
                                  f"open {target['port']} between {host} and {target['name']}: a firewall on"
                                  " either host or between them drops it (playbooks/site.yml rebuilds"
                                  " pinfleet's own)"))
    return found


# The listen entries that are a daemon's swarm port, by the daemon's side of the report.
_SWARMS = {"IPFS swarm": "kubo", "cluster swarm": "cluster"}


def _peer_ids(host, r, up):
    """Every address in the peer lists must lead to the peer listed with it: the peer whose swarm port
    (as its report lists where its daemons listen) is there."""
    by_address = {o["address"]: h for h, o in up.items()}
    real = {(o["address"], str(x["port"])): o[_SWARMS[x["what"]]].get("id")
            for o in up.values() for x in o.get("listen", []) if x.get("what") in _SWARMS}
    found = []
    for source, addrs in (("peerstore", r["cluster"].get("peerstore", [])),
                          ("peer_addresses", r["cluster"].get("peer_addresses", [])),
                          ("kubo Bootstrap", r["kubo"].get("bootstrap", []))):
        for address, port, pid in filter(None, map(_p2p, addrs)):
            actual = real.get((address, port))
            if actual and actual != pid:
                found.append(_finding("peer IDs", f"misdial: the {source} says {address}:{port} is {pid}, but the"
                                                  f" peer there ({by_address[address]}) is {actual}",
                                      "run playbooks/site.yml to rebuild the lists; a peerstore line that"
                                      " stays goes at the cluster peer's next start (systemctl restart"
                                      " ipfs-cluster), which drops lines whose address peer_addresses gives"
                                      " to another ID",
                                      "a host got a new identity, or a list was edited by hand"))
    return found


def _stale_addresses(host, r, up):
    """Every peer in the lists pinfleet writes must be listed at the address it has now."""
    owner = {pid: h for h, o in up.items() for pid in (o["cluster"].get("id"), o["kubo"].get("id")) if pid}
    found = []
    for source, addrs in (("peer_addresses", r["cluster"].get("peer_addresses", [])),
                          ("kubo Bootstrap", r["kubo"].get("bootstrap", []))):
        for address, port, pid in filter(None, map(_p2p, addrs)):
            peer = owner.get(pid)
            if peer and peer != host and up[peer]["address"] != address:
                found.append(_finding("peer addresses", f"the {source} lists {peer} at {address}:{port}, but its"
                                                        f" address is now {up[peer]['address']}",
                                      "run playbooks/site.yml, which rewrites every peer's lists from the inventory"
                                      " (kubo_address, cluster_address, or pinfleet_peer_network for hosts on more"
                                      " than one network)",
                                      "the host's address changed after the lists were written, so this peer"
                                      " dials an address where nobody answers"))
    return found


def _trust(host, r, up):
    trusted = r["cluster"].get("trusted_peers") or []
    if r["cluster"].get("consensus") != "crdt" or "*" in trusted:
        return []
    return [_finding("trusted peers", f"{other} ({o['cluster']['id']}) is not a trusted peer",
                     "run playbooks/site.yml, which trusts every peer of the group",
                     "pins made through an untrusted peer are ignored here")
            for other, o in up.items() if other != host and o["cluster"].get("id") not in (None, *trusted)]


def _pinset(host, r, up):
    """Desyncs: a pin some peer's state lacks, or one not pinned where it should be."""
    pins = r["cluster"].get("pins")
    if pins is None:
        return []
    every = sorted({cid for o in up.values() for cid in o["cluster"].get("pins") or {}})
    missing = [cid for cid in every if cid not in pins]
    bad = sorted(cid for cid, status in pins.items() if status not in ("pinned", "remote", "sharded"))
    found = []
    if missing:
        found.append(_finding("pinset", f"{len(missing)} pins the other peers have are missing here, e.g."
                                        f" {', '.join(missing[:3])}",
                              "check the trusted peers and cluster_name; the peer resyncs once it trusts the"
                              " others"))
    if bad:
        statuses = ", ".join(f"{cid} {pins[cid]}" for cid in bad[:3])
        found.append(_finding("pin status", f"{len(bad)} pins are not pinned here ({statuses})",
                              "ipfs-cluster-ctl recover --local, or run this play with -e diagnose_recover=true"))
    return found


def _logs(host, r, up):
    return [_finding(f"log of {entry['unit']}", f"{entry['key']} ({entry['count']}x): {entry['line']}",
                     explain(entry["key"])["fix"], explain(entry["key"])["cause"]) for entry in r["log"]]


# What a failed scrape's error says about its cause, and the fix (Prometheus's lastError, first match).
_SCRAPE_ERRORS = [
    ("connection refused",
     "nothing listens there: the metrics relay (pinfleet-metrics.service) is stopped, or listens elsewhere",
     "systemctl status pinfleet-metrics on the peer; playbooks/site.yml starts it"),
    ("status 502", "the relay answers, but the daemon behind it does not",
     "start the daemon (systemctl start ipfs or ipfs-cluster) and see its log"),
    ("status 404", "the relay does not serve this path: that daemon's metrics are off here",
     "set pinfleet_metrics: true for the peer (cluster_metrics for ipfs-cluster) and run playbooks/site.yml"),
    ("deadline exceeded|i/o timeout|no route to host", "a firewall drops the monitor, or the host is down",
     "put the monitor's address in firewall_monitoring_sources (by default the hosts of group monitoring) and"
     " run playbooks/site.yml"),
]


def _unwatched(host, r, monitors):
    if not monitors or r["cluster"].get("metrics") is not False:
        return []
    return [_finding("metrics", f"ipfs-cluster's metrics are off, so {', '.join(sorted(monitors))} cannot watch"
                                " this peer", "set pinfleet_metrics: true (group_vars) and run playbooks/site.yml")]


def _monitoring(monitors: dict[str, dict], addresses: dict[str, str]) -> list[tuple[str, str, dict]]:
    """(peer, monitor, finding) of every target a monitor cannot scrape, and of every monitor that does not answer
    (its peer is the monitor itself). addresses: each diagnosed peer's address now."""
    found = []
    for monitor, view in sorted(monitors.items()):
        if view.get("error"):
            found.append((monitor, monitor, _finding("monitoring", f"Prometheus on {monitor} does not answer:"
                                                                   f" {view['error']}", "systemctl status prometheus"
                                                     " there; playbooks/site.yml installs and starts it")))
        for target in view.get("targets") or []:
            if target.get("health") == "up":
                continue
            labels = target.get("labels") or {}
            error = target.get("lastError") or target.get("health") or "not scraped yet"
            cause, fix = next(((c, f) for key, c, f in _SCRAPE_ERRORS if re.search(key, error)),
                              ("", f"see Prometheus's targets page on {monitor}"))
            now = addresses.get(labels.get("peer"))
            if now and urlsplit(target.get("scrapeUrl") or "").hostname not in (None, now):
                cause = f"the targets list {labels.get('peer')} at an address it no longer has (it is now at {now})"
                fix = "run playbooks/site.yml, which rewrites the monitor's targets from the peers' addresses"
            found.append((labels.get("peer", monitor), monitor,
                          _finding("monitoring", f"{monitor} cannot read the {labels.get('role')} metrics of"
                                                 f" {labels.get('peer')} ({target.get('scrapeUrl')}): {error}",
                                   fix, cause)))
    return found


def analyse(reports: dict[str, dict], monitors: dict[str, dict] | None = None) -> dict[str, list[dict]]:
    """Every host's findings, from every host's peer_diagnosis_info result (or an unreachable or failed one).

    monitors: each Prometheus server's active targets ({'targets': [...]}, as its /api/v1/targets gives them),
    or the error that asking it met ({'error': ...}).
    """
    monitors = monitors or {}
    findings: dict[str, list[dict]] = {host: [] for host in reports}
    up = {h: r for h, r in reports.items() if not r.get("unreachable") and not r.get("failed") and "units" in r}
    for host, report in reports.items():
        if host not in up:
            findings[host].append(_finding("reachable", "Ansible could not examine this host: "
                                                        + str(report.get("msg") or "unreachable"),
                                           "bring the host back, or remove it with playbooks/remove.yml"))
    # A peer without its data is named for that alone, and compared with no other.
    lost = {h: _lost(r) for h, r in up.items() if _lost(r)}
    for host, finding in lost.items():
        findings[host].append(finding)
    up = {h: r for h, r in up.items() if h not in lost}
    for host, r in up.items():
        for check in (_daemons, _reachability, _peer_ids, _stale_addresses, _trust, _pinset, _logs):
            findings[host] += check(host, r, up)
        findings[host] += _unwatched(host, r, monitors)
    for host, finding in _agreement(up):
        findings[host].append(finding)
    # Under the peer where it is diagnosed here, else (a top cluster's peer, the monitor itself) under the monitor.
    for peer, monitor, finding in _monitoring(monitors, {h: r.get("address") for h, r in up.items()}):
        findings.setdefault(peer if peer in findings else monitor, []).append(finding)
    return findings

#!/usr/bin/python
# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Gather what playbooks/diagnose.yml checks on one peer, without changing anything."""

from __future__ import annotations

DOCUMENTATION = r"""
module: peer_diagnosis_info
short_description: Gather the facts a diagnosis of a kubo and ipfs-cluster peer needs
description:
  - Reads, and changes nothing - the daemons' states, which process holds
    each listen port, whether the other peers' swarm ports answer from here,
    digests of the cluster secret and the swarm key (never the secrets), the
    peer IDs, bootstrap lists, peerstore and peer addresses, trusted peers,
    versions, consensus and cluster name, the cluster peer's view of its IPFS
    daemon, the local status of every pin, and the known libp2p, kubo and
    ipfs-cluster messages in the daemons' recent logs.
  - The filter P(pinfleet.ipfs.diagnosis_findings#filter) compares the
    results of every peer and explains what is wrong.
version_added: 0.3.0
author: pinfleet developers (@pinfleet)
options:
  address:
    description: The address the other peers reach this one on.
    type: str
    required: true
  kubo_path:
    description: kubo's repository.
    type: path
    default: /var/lib/ipfs
  cluster_path:
    description: The cluster peer's folder.
    type: path
    default: /var/lib/ipfs-cluster
  kubo_api:
    description: URL of kubo's RPC API.
    type: str
    default: http://127.0.0.1:5001
  listen:
    description: The ports the daemons listen on, each with C(port), C(what) and C(unit).
    type: list
    elements: dict
    default: []
  peers:
    description: The other peers, name to address, whose O(peer_ports) to try from here.
    type: dict
    default: {}
  peer_ports:
    description: The swarm ports every peer must reach on every other.
    type: list
    elements: int
    default: [4001, 9096]
  log_window:
    description: Minutes of log to scan, leaving out the first 30 seconds after each daemon started.
    type: int
    default: 15
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - pinfleet.ipfs.attributes
  - pinfleet.ipfs.rest_api
"""

EXAMPLES = r"""
- name: Examine the peer
  pinfleet.ipfs.peer_diagnosis_info:
    address: 10.0.0.11
    listen:
      - {port: 4001, what: IPFS swarm, unit: ipfs.service}
      - {port: 9096, what: cluster swarm, unit: ipfs-cluster.service}
    peers: {s2: 10.0.0.12, s3: 10.0.0.13}
"""

RETURN = r"""
address:
  description: The address the other peers reach this one on, as given in O(address).
  returned: always
  type: str
  sample: 10.0.0.11
units:
  description: The state of each daemon's unit (C(ActiveState)), by unit.
  returned: always
  type: dict
  sample: {ipfs.service: active, ipfs-cluster.service: active}
listen:
  description: >-
    For each port of O(listen), the process holding it (C(holder)) and whether that is the
    expected daemon (C(ours)).
  returned: always
  type: list
  elements: dict
reach:
  description: For each of O(peers) and O(peer_ports), whether a TCP connection opened (C(open)).
  returned: always
  type: list
  elements: dict
kubo:
  description: >-
    Its repository (C(path)) and whether it is there (C(repo)), ID, swarm key digest, version,
    Bootstrap list.
  returned: always
  type: dict
cluster:
  description: >-
    Its folder (C(path)) and whether it holds the peer's identity (C(data)), ID, secret digest,
    consensus, cluster name, trusted peers, peer lists, whether its metrics are on (C(metrics)),
    version, peers, pin statuses.
  returned: always
  type: dict
log:
  description: The known messages found in each unit's recent log, with a count and the last one.
  returned: always
  type: list
  elements: dict
"""

import json
import os
import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pinfleet.ipfs.plugins.module_utils import secrets
from ansible_collections.pinfleet.ipfs.plugins.module_utils.diagnosis import scan
from ansible_collections.pinfleet.ipfs.plugins.module_utils.peer_api import REST_API_OPTIONS, PeerApi, ndjson

# The names the kernel gives the daemons' processes (15 characters at most).
_PROCESS = {"ipfs.service": "ipfs", "ipfs-cluster.service": "ipfs-cluster-se"}


def listeners(ss_output: str) -> dict[int, str]:
    """Port -> 'process (pid N)' from `ss -Hltnp`; '' when ss may not name it (no CAP_SYS_PTRACE)."""
    held = {}
    for line in ss_output.splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        port = fields[3].rsplit(":", 1)[-1]
        match = re.search(r'\("([^"]+)",pid=(\d+)', line)
        if port.isdigit():
            held.setdefault(int(port), f"{match.group(1)} (pid {match.group(2)})" if match else "")
    return held


def holder(held: dict[int, str], port: int, unit: str, unit_state: str) -> dict:
    """Who listens on port, and whether it is the unit's daemon (taken on trust when ss cannot name it)."""
    if port not in held:
        return {"holder": "", "ours": False}
    if not held[port]:
        return {"holder": "an unnamed process", "ours": unit_state == "active"}
    return {"holder": held[port], "ours": held[port].startswith(_PROCESS.get(unit, "?") + " ")}


def read_json(path: str) -> dict:
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def reach(targets: list[dict]) -> list[dict]:
    def probe(target):
        try:
            socket.create_connection((target["address"], int(target["port"])), 3).close()
            return {**target, "open": True}
        except OSError:
            return {**target, "open": False}

    with ThreadPoolExecutor(max(1, min(32, len(targets)))) as pool:
        return list(pool.map(probe, targets))


def main():
    module = AnsibleModule(
        argument_spec={
            "address": {"type": "str", "required": True},
            "kubo_path": {"type": "path", "default": "/var/lib/ipfs"},
            "cluster_path": {"type": "path", "default": "/var/lib/ipfs-cluster"},
            "kubo_api": {"type": "str", "default": "http://127.0.0.1:5001"},
            "listen": {"type": "list", "elements": "dict", "default": []},
            "peers": {"type": "dict", "default": {}},
            "peer_ports": {"type": "list", "elements": "int", "default": [4001, 9096]},
            "log_window": {"type": "int", "default": 15},
            **REST_API_OPTIONS,
        },
        supports_check_mode=True,
    )
    p = module.params
    api = PeerApi(p)

    def run(*argv) -> str:
        return module.run_command(list(argv))[1]

    units = {unit: run("systemctl", "show", "-p", "ActiveState", "--value", unit).strip() or "unknown"
             for unit in _PROCESS}
    held = listeners(run("ss", "-Hltnp"))
    listen = [{**item, **holder(held, int(item["port"]), item["unit"], units.get(item["unit"], ""))}
              for item in p["listen"]]

    config = read_json(os.path.join(p["kubo_path"], "config"))
    try:
        with open(os.path.join(p["kubo_path"], "swarm.key")) as handle:
            swarm_key_digest = secrets.swarm_key_digest(handle.read())
    except OSError:
        swarm_key_digest = ""
    kubo = {"path": p["kubo_path"], "repo": os.path.isfile(os.path.join(p["kubo_path"], "config")),
            "id": (config.get("Identity") or {}).get("PeerID"), "swarm_key_digest": swarm_key_digest,
            "bootstrap": config.get("Bootstrap") or [], "version": None}
    try:
        kubo["version"] = "v" + json.loads(api.request(p["kubo_api"].rstrip("/") + "/api/v0/version", "POST",
                                                       timeout=10))["Version"]
    except (OSError, ValueError, KeyError) as exc:
        kubo["error"] = str(exc)

    service = read_json(os.path.join(p["cluster_path"], "service.json"))
    identity = read_json(os.path.join(p["cluster_path"], "identity.json"))
    consensus = next(iter(service.get("consensus") or {}), None)
    crdt = (service.get("consensus") or {}).get("crdt") or {}
    try:
        with open(os.path.join(p["cluster_path"], "peerstore")) as handle:
            peerstore = [line.strip() for line in handle if line.strip()]
    except OSError:
        peerstore = []
    cluster = {"path": p["cluster_path"], "data": os.path.isfile(os.path.join(p["cluster_path"], "identity.json")),
               "id": identity.get("id"),
               "secret_digest": secrets.cluster_secret_digest((service.get("cluster") or {}).get("secret", "")),
               "consensus": consensus, "cluster_name": crdt.get("cluster_name"),
               "trusted_peers": crdt.get("trusted_peers"), "peerstore": peerstore,
               "peer_addresses": (service.get("cluster") or {}).get("peer_addresses") or [],
               "metrics": bool(((service.get("observations") or {}).get("metrics") or {}).get("enable_stats")),
               "running": False, "version": None, "peers": None}
    try:
        info = json.loads(api.rest("/id", timeout=30))
        cluster.update(running=True, version="v" + info["version"].split("+")[0],
                       rpc_protocol_version=info.get("rpc_protocol_version"),
                       peers=len(info.get("cluster_peers") or []),
                       ipfs_error=(info.get("ipfs") or {}).get("error", ""))
        cluster["pins"] = {pin["cid"]: next(iter(pin["peer_map"].values()))["status"]
                           for pin in ndjson(api.rest("/pins?local=true", timeout=120)) if pin.get("peer_map")}
    except (OSError, ValueError, KeyError) as exc:
        cluster["error"] = str(exc)

    log = []
    now = time.time()
    for unit in _PROCESS:
        started = run("systemctl", "show", "-p", "ActiveEnterTimestamp", "--value", "--timestamp=unix", unit)
        started = float(started.strip().lstrip("@") or 0)
        since = max(now - 60 * p["log_window"], started + 30)
        if since >= now:
            continue
        lines = run("journalctl", "-u", unit, "--since", f"@{int(since)}", "--no-pager", "-o", "cat").splitlines()
        log += [{**entry, "unit": unit} for entry in scan(lines)]

    targets = [{"name": name, "address": address, "port": port}
               for name, address in sorted(p["peers"].items()) for port in p["peer_ports"]]
    module.exit_json(changed=False, address=p["address"], units=units, listen=listen, reach=reach(targets),
                     kubo=kubo, cluster=cluster, log=log)


if __name__ == "__main__":
    main()

#!/usr/bin/python
# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Read the state of a kubo node and its ipfs-cluster peer, or wait until it holds."""

from __future__ import annotations

DOCUMENTATION = r"""
module: peer_state_info
short_description: Read, or wait for, the state of a kubo node and its ipfs-cluster peer
description:
  - Reads what the upgrade sequence decides on, namely the installed and
    running versions of kubo and ipfs-cluster, kubo's repository version, the
    peers each daemon sees, the pin count, a summary of pin statuses, and health.
  - With O(wait), polls until every condition holds, and fails after
    O(timeout) seconds naming the conditions that did not.
  - A wait ends at once on an error that waiting cannot mend, with the
    daemon's last log lines where it has them - the REST API refusing the
    credentials (HTTP 401 or 403), a daemon whose systemd unit stopped or
    failed, or one that systemd keeps restarting.
  - Talks to the local kubo RPC API and cluster REST API; a stopped daemon is
    reported as not running, not as an error.
version_added: 0.3.0
author: pinfleet developers (@pinfleet)
options:
  kubo_path:
    description: kubo's repository (C(IPFS_PATH)).
    type: path
    default: /var/lib/ipfs
  kubo_api:
    description: URL of kubo's RPC API.
    type: str
    default: http://127.0.0.1:5001
  bin_dir:
    description: Where the program links are; their targets tell the installed versions.
    type: path
    default: /usr/local/bin
  pins:
    description: Also read the pin count and the status of every pin (asks every peer).
    type: bool
    default: true
  wait:
    description:
      - Conditions to wait for. Keys, all optional; unset ones are not checked.
    type: dict
    suboptions:
      cluster_peers:
        description: The cluster peer sees at least this many peers (itself included).
        type: int
      kubo_peers:
        description: kubo is connected to at least this many other nodes.
        type: int
      kubo_peer_ids:
        description: kubo is connected to every node of this list of peer IDs.
        type: list
        elements: str
      cluster_peer_ids:
        description: The cluster peer sees every peer of this list of peer IDs.
        type: list
        elements: str
      cluster_reached_ids:
        description:
          - The cluster peer reaches every peer of this list of peer IDs over the cluster swarm
            (C(GET /peers) answers for each without an error; asks every peer).
          - For raft, whose C(/id) lists every member whether it answers or not.
        type: list
        elements: str
        version_added: 0.4.0
      cluster_ipfs:
        description: The cluster peer reaches its IPFS daemon.
        type: bool
      pin_count:
        description: The pinset holds exactly this many pins.
        type: int
      all_pinned:
        description: Every pin is C(pinned) (or C(remote)) on every peer that reports it.
        type: bool
      kubo_version:
        description: kubo runs this version (C(v0.43.1)).
        type: str
      cluster_version:
        description: The cluster peer runs this version (C(v1.1.6)).
        type: str
  kubo_unit:
    description: kubo's systemd unit, watched while waiting for a kubo condition.
    type: str
    default: ipfs.service
  cluster_unit:
    description: The cluster peer's systemd unit, watched while waiting for a cluster condition.
    type: str
    default: ipfs-cluster.service
  timeout:
    description: Seconds to wait for O(wait) before failing.
    type: int
    default: 300
  delay:
    description: Seconds between polls.
    type: int
    default: 2
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - pinfleet.ipfs.attributes
  - pinfleet.ipfs.rest_api
"""

EXAMPLES = r"""
- name: Wait until the peer sees all three and every pin is pinned
  pinfleet.ipfs.peer_state_info:
    wait:
      cluster_peers: 3
      all_pinned: true
    timeout: 600

- name: Read the state through a REST API on HTTPS, its certificate signed by a private CA
  pinfleet.ipfs.peer_state_info:
    cluster_api: https://ipfs1.example.org:9094
    cluster_api_user: admin
    cluster_api_password: "{{ vault_cluster_api_password }}"
    ca_path: /etc/pinfleet/restapi-ca.pem
    pins: false
  register: peer
"""

RETURN = r"""
kubo:
  description: kubo's state.
  returned: success
  type: dict
  sample:
    installed: v0.43.1
    running: true
    version: v0.43.1
    repo_version: 18
    peers: 2
    peer_ids:
      - 12D3KooWQ6hEDzwvfYqYm1AE3vJ5HGCSZSRXhp7HTq8zoq1gdkfm
      - 12D3KooWRhyTqAmbbbBsu7HWHVEbdy4sPVYUHx1J8yx4TVsUTeGL
    id: 12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA
cluster:
  description: The cluster peer's state.
  returned: success
  type: dict
  sample:
    installed: v1.1.6
    running: true
    version: v1.1.6
    id: 12D3KooWPf5JDbYGJjJbVhQkwhuRZTrSGqBhWCFeTSmbXWW3rMio
    peers: 3
    peer_ids: [12D3KooWPf5JDbYGJjJbVhQkwhuRZTrSGqBhWCFeTSmbXWW3rMio]
    rpc_protocol_version: /ipfscluster/1.0/rpc
    # Only when O(wait.cluster_reached_ids) is set.
    reached_ids: [12D3KooWPf5JDbYGJjJbVhQkwhuRZTrSGqBhWCFeTSmbXWW3rMio]
    ipfs_error: ""
    pin_count: 12
    pin_status: {pinned: 36}
healthy:
  description: Both daemons answer, kubo is connected and the cluster peer reaches its kubo.
  returned: success
  type: bool
waited:
  description: Seconds spent waiting for O(wait).
  returned: success
  type: float
"""

import json
import os
import time
import urllib.error

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pinfleet.ipfs.plugins.module_utils.peer_api import REST_API_OPTIONS, PeerApi, ndjson
from ansible_collections.pinfleet.ipfs.plugins.module_utils.peer_host import (
    journal,
    linked_version,
    repo_version,
    unit_show,
)

_GOOD = {"pinned", "remote", "sharded"}


def summarise_pins(pins: list[dict]) -> dict:
    """Count the statuses of every pin on every peer of GET /pins."""
    status: dict[str, int] = {}
    for pin in pins:
        for info in (pin.get("peer_map") or {}).values():
            status[info.get("status", "unknown")] = status.get(info.get("status", "unknown"), 0) + 1
    return status


class Peer(PeerApi):
    def kubo(self) -> dict:
        state = {"installed": linked_version(os.path.join(self.p["bin_dir"], "ipfs")), "running": False,
                 "version": None, "peers": 0, "peer_ids": [], "id": None,
                 "repo_version": repo_version(self.p["kubo_path"])}
        api = self.p["kubo_api"].rstrip("/") + "/api/v0/"
        try:
            version = json.loads(self.request(api + "version", "POST", timeout=10))
            state.update(running=True, version="v" + version["Version"], repo_version=int(version["Repo"]))
            state["id"] = json.loads(self.request(api + "id", "POST", timeout=10))["ID"]
            peers = json.loads(self.request(api + "swarm/peers", "POST", timeout=10)).get("Peers") or []
            state["peers"] = len(peers)
            state["peer_ids"] = sorted(peer["Peer"] for peer in peers)
        except (OSError, ValueError, KeyError) as exc:
            state["error"] = str(exc)
        return state

    def cluster(self, pins: bool) -> dict:
        state = {"installed": linked_version(os.path.join(self.p["bin_dir"], "ipfs-cluster-service")),
                 "running": False, "version": None, "id": None, "peers": 0, "peer_ids": []}
        try:
            info = json.loads(self.rest("/id"))
            state.update(running=True, version="v" + info["version"].split("+")[0], id=info["id"],
                         peers=len(info.get("cluster_peers") or []),
                         peer_ids=sorted(info.get("cluster_peers") or []),
                         rpc_protocol_version=info.get("rpc_protocol_version"),
                         ipfs_error=(info.get("ipfs") or {}).get("error", ""))
            if pins:
                state["pin_count"] = len(ndjson(self.rest("/allocations", timeout=120)))
                state["pin_status"] = summarise_pins(ndjson(self.rest("/pins", timeout=300)))
        except urllib.error.HTTPError as exc:
            state.update(error=str(exc), http_status=exc.code)
        except (OSError, ValueError, KeyError) as exc:
            state["error"] = str(exc)
        return state

    def reached(self, cluster: dict) -> None:
        """The peers GET /peers answers for without an error, into cluster['reached_ids']."""
        try:
            cluster["reached_ids"] = sorted(p["id"] for p in ndjson(self.rest("/peers", timeout=60))
                                            if p.get("id") and not p.get("error"))
        except (OSError, ValueError, KeyError) as exc:
            cluster.update(reached_ids=[], error=str(exc))

    def read(self, pins: bool, reach: bool = False) -> dict:
        kubo, cluster = self.kubo(), self.cluster(pins)
        if reach and cluster["running"]:
            self.reached(cluster)
        healthy = kubo["running"] and cluster["running"] and not cluster.get("ipfs_error") and kubo["peers"] > 0
        return {"kubo": kubo, "cluster": cluster, "healthy": bool(healthy)}


def unmet(state: dict, wait: dict) -> list[str]:
    """The wait conditions that do not hold, as sentences."""
    kubo, cluster = state["kubo"], state["cluster"]
    problems = []
    if wait.get("cluster_peers") is not None and cluster["peers"] < wait["cluster_peers"]:
        problems.append(f"the cluster peer sees {cluster['peers']} peers, not {wait['cluster_peers']}"
                        + (f" ({cluster['error']})" if cluster.get("error") else ""))
    if wait.get("kubo_peers") is not None and kubo["peers"] < wait["kubo_peers"]:
        problems.append(f"kubo is connected to {kubo['peers']} nodes, not {wait['kubo_peers']}"
                        + (f" ({kubo['error']})" if kubo.get("error") else ""))
    for daemon, name, key, seen in ((kubo, "kubo is not connected to", "kubo_peer_ids", "peer_ids"),
                                    (cluster, "the cluster peer does not see", "cluster_peer_ids", "peer_ids"),
                                    (cluster, "the cluster peer does not reach", "cluster_reached_ids", "reached_ids")):
        missing = sorted(set(wait.get(key) or []) - set(daemon.get(seen) or []))
        if missing:
            problems.append(f"{name} {', '.join(missing)}" + (f" ({daemon['error']})" if daemon.get("error") else ""))
    if wait.get("cluster_ipfs") and (not cluster["running"] or cluster.get("ipfs_error")):
        problems.append("the cluster peer does not reach its IPFS daemon: "
                        + (cluster.get("ipfs_error") or cluster.get("error") or "it does not answer"))
    if wait.get("pin_count") is not None and cluster.get("pin_count") != wait["pin_count"]:
        problems.append(f"the pinset holds {cluster.get('pin_count')} pins, not {wait['pin_count']}")
    if wait.get("all_pinned"):
        bad = {k: v for k, v in (cluster.get("pin_status") or {}).items() if k not in _GOOD}
        if bad or "pin_status" not in cluster:
            problems.append(f"not every pin is pinned: {bad or cluster.get('error', 'no pin status')}")
    for daemon, key in ((kubo, "kubo_version"), (cluster, "cluster_version")):
        if wait.get(key) and daemon["version"] != wait[key]:
            problems.append(f"{key.split('_', maxsplit=1)[0]} runs {daemon['version']}, not {wait[key]}")
    return problems


_CONDITIONS = {
    "kubo": {"kubo_peers", "kubo_peer_ids", "kubo_version"},
    "cluster": {"cluster_peers", "cluster_peer_ids", "cluster_reached_ids", "cluster_ipfs", "pin_count", "all_pinned",
                "cluster_version"},
}
_CREDENTIALS_REFUSED = (
    "The REST API refused the plays' credentials (HTTP {status}): cluster_restapi_basic_auth does not match"
    " the basic_auth_credentials the peer runs with. Set it to the peer's, or run playbooks/site.yml, which"
    " writes it to the peer."
)


def units_of(module, wait: dict) -> dict[str, str]:
    """The systemd units of the daemons the wait conditions are about, by daemon."""
    return {daemon: module.params[f"{daemon}_unit"] for daemon, keys in _CONDITIONS.items() if keys & set(wait)}


def restart_counts(module, units: dict[str, str]) -> dict[str, int]:
    return {daemon: int(unit_show(module, unit, "NRestarts").get("NRestarts") or 0) for daemon, unit in units.items()}


def hopeless(module, state: dict, units: dict[str, str], restarts: dict[str, int]) -> str:
    """Why waiting longer cannot help, or '' while it still may."""
    if "cluster" in units and state["cluster"].get("http_status") in (401, 403):
        return _CREDENTIALS_REFUSED.format(status=state["cluster"]["http_status"])
    for daemon, unit in units.items():
        props = unit_show(module, unit, "LoadState", "ActiveState", "NRestarts")
        if props.get("LoadState") != "loaded":
            continue
        if props.get("ActiveState") in ("inactive", "failed"):
            return f"{unit} is {props['ActiveState']}: the daemon exited. Its log ends: {journal(module, unit)}"
        again = int(props.get("NRestarts") or 0) - restarts[daemon]
        if again >= 2:
            return (f"{unit} was restarted {again} times while waiting: the daemon keeps exiting."
                    f" Its log ends: {journal(module, unit)}")
    return ""


def main():
    wait_spec = {name: {"type": kind} for name, kind in (
        ("cluster_peers", "int"), ("kubo_peers", "int"), ("pin_count", "int"), ("all_pinned", "bool"),
        ("kubo_version", "str"), ("cluster_version", "str"), ("cluster_ipfs", "bool"))}
    wait_spec.update({name: {"type": "list", "elements": "str"}
                      for name in ("kubo_peer_ids", "cluster_peer_ids", "cluster_reached_ids")})
    module = AnsibleModule(
        argument_spec={
            "kubo_path": {"type": "path", "default": "/var/lib/ipfs"},
            "kubo_api": {"type": "str", "default": "http://127.0.0.1:5001"},
            **REST_API_OPTIONS,
            "bin_dir": {"type": "path", "default": "/usr/local/bin"},
            "pins": {"type": "bool", "default": True},
            "wait": {"type": "dict", "options": wait_spec},
            "kubo_unit": {"type": "str", "default": "ipfs.service"},
            "cluster_unit": {"type": "str", "default": "ipfs-cluster.service"},
            "timeout": {"type": "int", "default": 300},
            "delay": {"type": "int", "default": 2},
        },
        supports_check_mode=True,
    )
    peer = Peer(module.params)
    wait = {k: v for k, v in (module.params["wait"] or {}).items() if v is not None}
    needs_pins = module.params["pins"] or "pin_count" in wait or "all_pinned" in wait
    units = units_of(module, wait)
    restarts = restart_counts(module, units)
    start = time.monotonic()
    reach = "cluster_reached_ids" in wait
    state = peer.read(needs_pins, reach)
    problems = unmet(state, wait)
    while problems and time.monotonic() - start < module.params["timeout"]:
        reason = hopeless(module, state, units, restarts)
        if reason:
            module.fail_json(msg=f"After {round(time.monotonic() - start, 1)}s: " + "; ".join(problems) + ". " + reason,
                             waited=round(time.monotonic() - start, 1), **state)
        time.sleep(module.params["delay"])
        state = peer.read(needs_pins, reach)
        problems = unmet(state, wait)
    waited = round(time.monotonic() - start, 1)
    if problems:
        logs = " ".join(f"The log of {unit} ends: {journal(module, unit)}" for unit in units.values())
        module.fail_json(msg=f"After {waited}s: " + "; ".join(problems) + ". " + logs, waited=waited, **state)
    module.exit_json(changed=False, waited=waited, **state)


if __name__ == "__main__":
    main()

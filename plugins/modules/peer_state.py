#!/usr/bin/python
"""Read the state of a kubo node and its ipfs-cluster peer, or wait until it holds."""

from __future__ import annotations

DOCUMENTATION = r"""
module: peer_state
short_description: Read, or wait for, the state of a kubo node and its ipfs-cluster peer
description:
  - Reads what the upgrade sequence decides on, namely the installed and
    running versions of kubo and ipfs-cluster, kubo's repository version, the
    peers each daemon sees, the pin count, a summary of pin statuses, and health.
  - With O(wait), polls until every condition holds, and fails after
    O(timeout) seconds naming the conditions that did not.
  - Talks to the local kubo RPC API and cluster REST API; a stopped daemon is
    reported as not running, not as an error.
version_added: 0.2.0
author: pinfleet developers
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
  timeout:
    description: Seconds to wait for O(wait) before failing.
    type: int
    default: 300
  delay:
    description: Seconds between polls.
    type: int
    default: 2
extends_documentation_fragment: pinfleet.ipfs.rest_api
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Wait until the peer sees all three and every pin is pinned
  pinfleet.ipfs.peer_state:
    wait:
      cluster_peers: 3
      all_pinned: true
    timeout: 600
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
    rpc_protocol_version: /ipfscluster/1.0/rpc
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

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pinfleet.ipfs.plugins.module_utils.peer_api import REST_API_OPTIONS, PeerApi, ndjson
from ansible_collections.pinfleet.ipfs.plugins.module_utils.peer_host import linked_version, repo_version

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
                 "version": None, "peers": 0, "id": None, "repo_version": repo_version(self.p["kubo_path"])}
        api = self.p["kubo_api"].rstrip("/") + "/api/v0/"
        try:
            version = json.loads(self.request(api + "version", "POST", timeout=10))
            state.update(running=True, version="v" + version["Version"], repo_version=int(version["Repo"]))
            state["id"] = json.loads(self.request(api + "id", "POST", timeout=10))["ID"]
            peers = json.loads(self.request(api + "swarm/peers", "POST", timeout=10)).get("Peers") or []
            state["peers"] = len(peers)
        except (OSError, ValueError, KeyError) as exc:
            state["error"] = str(exc)
        return state

    def cluster(self, pins: bool) -> dict:
        state = {"installed": linked_version(os.path.join(self.p["bin_dir"], "ipfs-cluster-service")),
                 "running": False, "version": None, "id": None, "peers": 0}
        try:
            info = json.loads(self.rest("/id"))
            state.update(running=True, version="v" + info["version"].split("+")[0], id=info["id"],
                         peers=len(info.get("cluster_peers") or []),
                         rpc_protocol_version=info.get("rpc_protocol_version"),
                         ipfs_error=(info.get("ipfs") or {}).get("error", ""))
            if pins:
                state["pin_count"] = len(ndjson(self.rest("/allocations", timeout=120)))
                state["pin_status"] = summarise_pins(ndjson(self.rest("/pins", timeout=300)))
        except (OSError, ValueError, KeyError) as exc:
            state["error"] = str(exc)
        return state

    def read(self, pins: bool) -> dict:
        kubo, cluster = self.kubo(), self.cluster(pins)
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
    if wait.get("pin_count") is not None and cluster.get("pin_count") != wait["pin_count"]:
        problems.append(f"the pinset holds {cluster.get('pin_count')} pins, not {wait['pin_count']}")
    if wait.get("all_pinned"):
        bad = {k: v for k, v in (cluster.get("pin_status") or {}).items() if k not in _GOOD}
        if bad or "pin_status" not in cluster:
            problems.append(f"not every pin is pinned: {bad or cluster.get('error', 'no pin status')}")
    for daemon, key in ((kubo, "kubo_version"), (cluster, "cluster_version")):
        if wait.get(key) and daemon["version"] != wait[key]:
            problems.append(f"{key.split('_')[0]} runs {daemon['version']}, not {wait[key]}")
    return problems


def main():
    wait_spec = {name: {"type": kind} for name, kind in (
        ("cluster_peers", "int"), ("kubo_peers", "int"), ("pin_count", "int"), ("all_pinned", "bool"),
        ("kubo_version", "str"), ("cluster_version", "str"))}
    module = AnsibleModule(
        argument_spec={
            "kubo_path": {"type": "path", "default": "/var/lib/ipfs"},
            "kubo_api": {"type": "str", "default": "http://127.0.0.1:5001"},
            **REST_API_OPTIONS,
            "bin_dir": {"type": "path", "default": "/usr/local/bin"},
            "pins": {"type": "bool", "default": True},
            "wait": {"type": "dict", "options": wait_spec},
            "timeout": {"type": "int", "default": 300},
            "delay": {"type": "int", "default": 2},
        },
        supports_check_mode=True,
    )
    peer = Peer(module.params)
    wait = {k: v for k, v in (module.params["wait"] or {}).items() if v is not None}
    needs_pins = module.params["pins"] or "pin_count" in wait or "all_pinned" in wait
    start = time.monotonic()
    state = peer.read(needs_pins)
    problems = unmet(state, wait)
    while problems and time.monotonic() - start < module.params["timeout"]:
        time.sleep(module.params["delay"])
        state = peer.read(needs_pins)
        problems = unmet(state, wait)
    waited = round(time.monotonic() - start, 1)
    if problems:
        module.fail_json(msg=f"After {waited}s: " + "; ".join(problems) + ".", waited=waited, **state)
    module.exit_json(changed=False, waited=waited, **state)


if __name__ == "__main__":
    main()

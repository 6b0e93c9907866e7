#!/usr/bin/python
# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Make a running kubo node's peering match a list, without restarting it."""

from __future__ import annotations

DOCUMENTATION = r"""
module: kubo_peering
short_description: Make a running kubo node's peering match a list, without a restart
description:
  - Compares the peering of a running kubo daemon (C(ipfs swarm peering ls))
    with O(peers), then adds the peers it lacks or knows at other addresses,
    and removes the ones not listed, through the daemon's RPC API. kubo
    connects to an added peer at once and keeps redialling it; it stops
    protecting and redialling a removed one.
  - The daemon's config file is not written. Its C(Peering.Peers) holds the
    same list for the next start (M(pinfleet.ipfs.kubo_config)).
  - In check mode, it reports what it would add and remove.
version_added: 0.4.0
author: pinfleet developers (@pinfleet)
options:
  peers:
    description:
      - The peers the node keeps, as C(Peering.Peers) holds them.
    type: list
    elements: dict
    required: true
    suboptions:
      ID:
        description: The peer ID.
        type: str
        required: true
      Addrs:
        description: Its multiaddrs, without C(/p2p/<ID>).
        type: list
        elements: str
        required: true
  kubo_api:
    description: URL of the node's RPC API.
    type: str
    default: http://127.0.0.1:5001
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - pinfleet.ipfs.attributes
"""

EXAMPLES = r"""
- name: Peer with the other nodes, at once
  pinfleet.ipfs.kubo_peering:
    peers:
      - ID: 12D3KooWPf5JDbYGJjJbVhQkwhuRZTrSGqBhWCFeTSmbXWW3rMio
        Addrs: [/ip4/10.0.0.12/tcp/4001]
"""

RETURN = r"""
added:
  description: The peer IDs added, or whose addresses were replaced (in check mode, that would be).
  returned: success
  type: list
  elements: str
removed:
  description: The peer IDs removed (in check mode, that would be).
  returned: success
  type: list
  elements: str
"""

import json
import urllib.parse

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pinfleet.ipfs.plugins.module_utils.peer_api import PeerApi


def peering_changes(running: list[dict], wanted: list[dict]) -> tuple[list[dict], list[str]]:
    """(the wanted peers to add, the peer IDs to remove): a peer at other addresses is added again."""
    have = {p["ID"]: sorted(p.get("Addrs") or []) for p in running}
    add = [p for p in wanted if have.get(p["ID"]) != sorted(p["Addrs"])]
    keep = {p["ID"] for p in wanted}
    return add, sorted(i for i in have if i not in keep)


def main():
    module = AnsibleModule(
        argument_spec={
            "peers": {"type": "list", "elements": "dict", "required": True, "options": {
                "ID": {"type": "str", "required": True},
                "Addrs": {"type": "list", "elements": "str", "required": True},
            }},
            "kubo_api": {"type": "str", "default": "http://127.0.0.1:5001"},
        },
        supports_check_mode=True,
    )
    api = PeerApi({"validate_certs": True})
    base = module.params["kubo_api"].rstrip("/") + "/api/v0/swarm/peering/"

    def call(verb: str, args: list[str]) -> str:
        query = urllib.parse.urlencode([("arg", a) for a in args])
        try:
            return api.request(base + verb + ("?" + query if query else ""), "POST", timeout=30)
        except OSError as exc:
            module.fail_json(msg=f"kubo's RPC API at {module.params['kubo_api']} failed swarm peering {verb}"
                                 f" {' '.join(args)}: {exc}. Is the daemon running?")
        return ""

    try:
        running = json.loads(call("ls", [])).get("Peers") or []
    except ValueError as exc:
        module.fail_json(msg=f"kubo's RPC API at {module.params['kubo_api']} answered swarm peering ls with"
                             f" no JSON: {exc}")
    add, remove = peering_changes(running, module.params["peers"])
    result = {"changed": bool(add or remove), "added": [p["ID"] for p in add], "removed": remove}
    if not module.check_mode:
        for peer in add:
            call("add", [f"{a}/p2p/{peer['ID']}" for a in peer["Addrs"]])
        for peer_id in remove:
            call("rm", [peer_id])
    module.exit_json(**result)


if __name__ == "__main__":
    main()

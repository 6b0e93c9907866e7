#!/usr/bin/python
# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Remove the raft members that are not among the peers to keep, if raft keeps a majority."""

from __future__ import annotations

DOCUMENTATION = r"""
module: raft_peers
short_description: Remove ipfs-cluster raft members, refusing a removal that loses the majority
description:
  - Lists the raft members through a cluster peer's REST API and removes
    (C(ipfs-cluster-ctl peers rm)) every member that is not in O(keep), the
    peers that stay, so those taken out of the inventory leave, reachable or not.
  - Raft commits a removal through its leader, which needs a majority of the
    members to answer; afterwards the members that stay need a majority of
    their own. A removal that breaks either, at any step, is refused before
    anything changes, naming the peers that do not answer.
  - Members that do not answer are removed first. Each removal is checked
    in the member list before the next.
  - In check mode, it checks and reports what it would remove.
version_added: 0.3.0
author: pinfleet developers (@pinfleet)
options:
  keep:
    description: Peer IDs of the cluster peers that stay.
    type: list
    elements: str
    required: true
  timeout:
    description: Seconds to wait for each removal to show in the member list.
    type: int
    default: 60
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - pinfleet.ipfs.attributes
  - pinfleet.ipfs.rest_api
"""

EXAMPLES = r"""
- name: Remove the peers that left the inventory
  pinfleet.ipfs.raft_peers:
    keep: "{{ groups['storage'] | map('extract', hostvars, ['cluster_peer', 'id']) | list }}"
  run_once: true
"""

RETURN = r"""
members:
  description: The raft members before, each with whether it answered.
  returned: success
  type: list
  elements: dict
  sample: [{id: 12D3KooWPf5JDbYGJjJbVhQkwhuRZTrSGqBhWCFeTSmbXWW3rMio, peername: s1, online: true}]
removed:
  description: The peer IDs removed (in check mode, that would be).
  returned: success
  type: list
  elements: str
"""

import time
import urllib.parse

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pinfleet.ipfs.plugins.module_utils.peer_api import REST_API_OPTIONS, PeerApi, ndjson


def removal_plan(members: dict[str, bool], keep: list[str]) -> tuple[list[str], list[str]]:
    """(the members to remove, in order, and why that is unsafe); members maps ID to whether it answers.

    Removing the members that do not answer first, every step in between has
    a majority answering when the first and the last do.
    """
    remove = sorted((m for m in members if m not in keep), key=lambda m: members[m])
    stay = {m: up for m, up in members.items() if m in keep}
    problems = []
    if not stay:
        problems.append("no raft member would remain: keep at least one peer in the inventory")
    for label, group in (("raft members", members), ("peers that stay", stay)):
        if group and sum(group.values()) <= len(group) // 2:
            down = ", ".join(sorted(m for m, up in group.items() if not up))
            problems.append(f"only {sum(group.values())} of the {len(group)} {label} answer, too few for a"
                            f" majority to commit the removal (not answering: {down}); bring them back first")
    if not remove:
        problems = []
    return remove, problems


def main():
    module = AnsibleModule(
        argument_spec={
            "keep": {"type": "list", "elements": "str", "required": True},
            "timeout": {"type": "int", "default": 60},
            **REST_API_OPTIONS,
        },
        supports_check_mode=True,
    )
    api = PeerApi(module.params)

    def members() -> dict[str, dict]:
        try:
            return {p["id"]: p for p in ndjson(api.rest("/peers", timeout=60))}
        except (OSError, ValueError, KeyError) as exc:
            module.fail_json(msg=f"Could not list the raft members through {module.params['cluster_api']}: {exc}")
        return {}

    before = members()
    listing = [{"id": i, "peername": p.get("peername", ""), "online": not p.get("error")} for i, p in before.items()]
    remove, problems = removal_plan({m["id"]: m["online"] for m in listing}, module.params["keep"])
    if problems:
        module.fail_json(msg="Refusing to remove " + ", ".join(remove) + ": " + "; ".join(problems)
                             + ". Nothing was changed.", members=listing, removed=[])
    if module.check_mode or not remove:
        module.exit_json(changed=bool(remove), members=listing, removed=remove)
    timeout = module.params["timeout"]
    for done, member in enumerate(remove):
        try:
            api.rest("/peers/" + urllib.parse.quote(member), method="DELETE", timeout=timeout)
        except (OSError, ValueError) as exc:
            module.fail_json(msg=f"Removing {member} failed: {exc}", members=listing, removed=remove[:done])
        deadline = time.monotonic() + timeout
        while member in members():
            if time.monotonic() > deadline:
                module.fail_json(msg=f"{member} is still a raft member {timeout}s after its removal",
                                 members=listing, removed=remove[:done])
            time.sleep(1)
    module.exit_json(changed=True, members=listing, removed=remove)


if __name__ == "__main__":
    main()

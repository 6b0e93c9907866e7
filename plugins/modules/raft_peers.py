#!/usr/bin/python
# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Remove raft members left out of the peers to keep, or check that new ones can join, keeping a majority."""

from __future__ import annotations

DOCUMENTATION = r"""
module: raft_peers
short_description: Remove ipfs-cluster raft members, or check that new ones can join, keeping a majority
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
  - With O(joining), it checks that the cluster can take that many new
    members, which join by bootstrapping to a running one (the leader adds
    them and sends its snapshot). The members that answer must stay a
    majority of the grown cluster even if none of the new ones comes up, and
    the leader must answer through this peer (asked to add this peer, a
    member already, which commits nothing). It refuses otherwise, naming
    the reason.
  - In check mode, it checks and reports what it would remove.
version_added: 0.3.0
author: pinfleet developers (@pinfleet)
options:
  keep:
    description:
      - Peer IDs of the cluster peers that stay; the other members are removed.
      - Without it, no member is removed.
    type: list
    elements: str
  joining:
    description: How many new peers are about to join.
    type: int
    default: 0
    version_added: 0.4.0
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

- name: Check that the raft cluster can take two new members
  pinfleet.ipfs.raft_peers:
    joining: 2
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
id:
  description: The peer ID of the member asked, to which new members may bootstrap.
  returned: success
  type: str
problems:
  description: Why the change is refused, one sentence each; empty when it is not.
  returned: always
  type: list
  elements: str
"""

import json
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
            problems.append(f"only {sum(group.values())} of the {len(group)} {label} answer, too few for a"
                            f" majority to commit the removal (not answering: {down(group)}); bring them back first")
    if not remove:
        problems = []
    return remove, problems


def growth_problems(members: dict[str, bool], joining: int) -> list[str]:
    """Why the members (ID to whether it answers) cannot safely take that many new ones.

    Each new member raises the majority raft needs; should the new ones not
    come up, the members that answer must still make that majority.
    """
    answering, grown = sum(members.values()), len(members) + joining
    if joining and answering <= grown // 2:
        return [f"only {answering} of the {len(members)} raft members answer, too few to stay a majority of"
                f" {grown} if the new peers do not come up (not answering: {down(members)}); bring them back first"]
    return []


def down(members: dict[str, bool]) -> str:
    return ", ".join(sorted(m for m, up in members.items() if not up)) or "none"


def main():
    module = AnsibleModule(
        argument_spec={
            "keep": {"type": "list", "elements": "str"},
            "joining": {"type": "int", "default": 0},
            "timeout": {"type": "int", "default": 60},
            **REST_API_OPTIONS,
        },
        supports_check_mode=True,
    )
    api = PeerApi(module.params)
    where = module.params["cluster_api"]

    def members() -> dict[str, dict]:
        try:
            return {p["id"]: p for p in ndjson(api.rest("/peers", timeout=60))}
        except (OSError, ValueError, KeyError) as exc:
            module.fail_json(msg=f"Could not list the raft members through {where}: {exc}", problems=[])
        return {}

    try:
        own = json.loads(api.rest("/id", timeout=30))["id"]
    except (OSError, ValueError, KeyError) as exc:
        module.fail_json(msg=f"The raft member's REST API at {where} does not answer: {exc}", problems=[])
    before = members()
    listing = [{"id": i, "peername": p.get("peername", ""), "online": not p.get("error")} for i, p in before.items()]
    online = {m["id"]: m["online"] for m in listing}
    keep = module.params["keep"]
    remove, problems = removal_plan(online, keep) if keep is not None else ([], [])
    joining, timeout = module.params["joining"], module.params["timeout"]
    problems += growth_problems(online, joining)
    if joining and not problems:
        # Adding a member that is one already commits nothing, and goes through the leader.
        try:
            api.rest("/peers", method="POST", body={"peer_id": own}, timeout=timeout)
        except (OSError, ValueError) as exc:
            problems.append(f"no raft leader answered through {where} within {timeout}s ({exc}); wait for the"
                            " members to elect one, or bring back the ones that are down")
    result = {"members": listing, "removed": [], "id": own, "problems": problems}
    if problems:
        what = " and ".join(filter(None, [f"remove {', '.join(remove)}" if remove else "",
                                          f"add {joining} new member(s)" if joining else ""]))
        module.fail_json(msg=f"Refusing to {what}: " + "; ".join(problems) + ". Nothing was changed.", **result)
    result["removed"] = remove
    if module.check_mode or not remove:
        module.exit_json(changed=bool(remove), **result)
    for done, member in enumerate(remove):
        try:
            api.rest("/peers/" + urllib.parse.quote(member), method="DELETE", timeout=timeout)
        except (OSError, ValueError) as exc:
            module.fail_json(msg=f"Removing {member} failed: {exc}", **{**result, "removed": remove[:done]})
        deadline = time.monotonic() + timeout
        while member in members():
            if time.monotonic() > deadline:
                module.fail_json(msg=f"{member} is still a raft member {timeout}s after its removal",
                                 **{**result, "removed": remove[:done]})
            time.sleep(1)
    module.exit_json(changed=True, **result)


if __name__ == "__main__":
    main()

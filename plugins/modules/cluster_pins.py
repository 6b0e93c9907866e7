#!/usr/bin/python
# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""List a cluster's pinset, or recover the pins in error on one peer, through its REST API."""

from __future__ import annotations

DOCUMENTATION = r"""
module: cluster_pins
short_description: List the cluster's pinset, recover this peer's pins in error, or restore a saved pinset
description:
  - Lists the pinset as the cluster peer's REST API gives it (C(GET /allocations)),
    what C(ipfs-cluster-ctl pin ls) prints.
  - With O(recover), also asks the peer to recover its own pins in error
    (C(POST /pins/recover?local=true)), what C(ipfs-cluster-ctl recover --local) does,
    and reports a change when it had any.
  - With O(restore), pins every pin of a saved pinset that the cluster does
    not have, with its name, replication factors, mode, metadata and
    allocations (given by peer name in O(restore), so a peer rebuilt with a
    new identity keeps its pins); a pin the cluster has is left as it is.
version_added: 0.4.0
author: pinfleet developers (@pinfleet)
options:
  recover:
    description: Recover the pins that are in error on this peer.
    type: bool
    default: false
  restore:
    description:
      - A saved pinset, as RV(pins) gives it, each pin with C(allocation_names), the names of the
        peers it was allocated to (the backup play records them).
    type: list
    elements: dict
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - pinfleet.ipfs.attributes
  - pinfleet.ipfs.rest_api
"""

EXAMPLES = r"""
- name: Save the pinset
  pinfleet.ipfs.cluster_pins:
    cluster_config: /var/lib/ipfs-cluster/service.json
  register: pinset

- name: Recover the pins in error on this peer
  pinfleet.ipfs.cluster_pins:
    recover: true
"""

RETURN = r"""
pins:
  description: >-
    The pinset, one entry per pin as C(GET /allocations) gives it, with C(allocation_names), the
    names of the peers it is allocated to (those the cluster knows).
  returned: always
  type: list
  elements: dict
recovered:
  description: The CIDs of the pins that were in error on this peer, now recovered (or to be, in check mode).
  returned: always
  type: list
  elements: str
peers:
  description: The cluster's peers, peer ID -> peer name.
  returned: always
  type: dict
  version_added: 0.4.0
restored:
  description: The CIDs of O(restore) the cluster did not have, now pinned (or to be, in check mode).
  returned: always
  type: list
  elements: str
  version_added: 0.4.0
"""

from urllib.parse import quote, urlencode

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pinfleet.ipfs.plugins.module_utils.peer_api import REST_API_OPTIONS, PeerApi, ndjson

_IN_ERROR = {"pin_error", "unpin_error", "error", "cluster_error", "unexpectedly_unpinned"}


def in_error(statuses: list[dict]) -> list[str]:
    """The CIDs of GET /pins?local=true whose status on this peer is an error."""
    return sorted(pin["cid"] for pin in statuses
                  if any(info.get("status") in _IN_ERROR for info in (pin.get("peer_map") or {}).values()))


def pin_query(pin: dict, ids: dict[str, str]) -> str:
    """The query of POST /pins/<cid> that pins it again with its options; allocations by peer name."""
    query = {"name": pin.get("name") or "", "mode": pin.get("mode") or "recursive",
             "replication-min": pin.get("replication_factor_min", -1),
             "replication-max": pin.get("replication_factor_max", -1)}
    allocations = [ids[name] for name in pin.get("allocation_names") or [] if name in ids]
    if allocations and int(query["replication-min"]) != -1:
        query["user-allocations"] = ",".join(allocations)
    if pin.get("expire_at") and not str(pin["expire_at"]).startswith("0001-"):
        query["expire-at"] = pin["expire_at"]
    query.update({f"meta-{key}": value for key, value in (pin.get("metadata") or {}).items()})
    return urlencode(query)


def main():
    module = AnsibleModule(
        argument_spec={**REST_API_OPTIONS, "recover": {"type": "bool", "default": False},
                       "restore": {"type": "list", "elements": "dict"}},
        supports_check_mode=True,
    )
    api = PeerApi(module.params)
    try:
        pins = ndjson(api.rest("/allocations", timeout=120))
        peers = {p["id"]: p.get("peername", "") for p in ndjson(api.rest("/peers", timeout=60)) if p.get("id")}
        for pin in pins:
            pin["allocation_names"] = [peers[pid] for pid in pin.get("allocations") or [] if peers.get(pid)]
        recovered = in_error(ndjson(api.rest("/pins?local=true", timeout=120))) if module.params["recover"] else []
        if recovered and not module.check_mode:
            api.rest("/pins/recover?local=true", method="POST", timeout=300)
        have = {pin["cid"] for pin in pins}
        missing = [pin for pin in module.params["restore"] or [] if pin.get("cid") and pin["cid"] not in have]
        ids = {name: pid for pid, name in peers.items() if name}
        for pin in [] if module.check_mode else missing:
            api.rest(f"/pins/{quote(pin['cid'])}?{pin_query(pin, ids)}", method="POST", timeout=120)
    except OSError as err:
        module.fail_json(msg=f"The cluster REST API at {module.params['cluster_api']} failed: {err}")
    restored = [pin["cid"] for pin in missing]
    module.exit_json(changed=bool(recovered or restored), pins=pins, peers=peers, recovered=recovered,
                     restored=restored)


if __name__ == "__main__":
    main()

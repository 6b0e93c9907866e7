#!/usr/bin/python
# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""List a cluster's pinset, or recover the pins in error on one peer, through its REST API."""

from __future__ import annotations

DOCUMENTATION = r"""
module: cluster_pins
short_description: List the cluster's pinset, or recover this peer's pins in error
description:
  - Lists the pinset as the cluster peer's REST API gives it (C(GET /allocations)),
    what C(ipfs-cluster-ctl pin ls) prints.
  - With O(recover), also asks the peer to recover its own pins in error
    (C(POST /pins/recover?local=true)), what C(ipfs-cluster-ctl recover --local) does,
    and reports a change when it had any.
version_added: 0.4.0
author: pinfleet developers (@pinfleet)
options:
  recover:
    description: Recover the pins that are in error on this peer.
    type: bool
    default: false
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
  description: The pinset, one entry per pin as C(GET /allocations) gives it.
  returned: always
  type: list
  elements: dict
recovered:
  description: The CIDs of the pins that were in error on this peer, now recovered (or to be, in check mode).
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pinfleet.ipfs.plugins.module_utils.peer_api import REST_API_OPTIONS, PeerApi, ndjson

_IN_ERROR = {"pin_error", "unpin_error", "error", "cluster_error", "unexpectedly_unpinned"}


def in_error(statuses: list[dict]) -> list[str]:
    """The CIDs of GET /pins?local=true whose status on this peer is an error."""
    return sorted(pin["cid"] for pin in statuses
                  if any(info.get("status") in _IN_ERROR for info in (pin.get("peer_map") or {}).values()))


def main():
    module = AnsibleModule(
        argument_spec={**REST_API_OPTIONS, "recover": {"type": "bool", "default": False}},
        supports_check_mode=True,
    )
    api = PeerApi(module.params)
    try:
        pins = ndjson(api.rest("/allocations", timeout=120))
        recovered = in_error(ndjson(api.rest("/pins?local=true", timeout=120))) if module.params["recover"] else []
        if recovered and not module.check_mode:
            api.rest("/pins/recover?local=true", method="POST", timeout=300)
    except OSError as err:
        module.fail_json(msg=f"The cluster REST API at {module.params['cluster_api']} failed: {err}")
    module.exit_json(changed=bool(recovered), pins=pins, recovered=recovered)


if __name__ == "__main__":
    main()

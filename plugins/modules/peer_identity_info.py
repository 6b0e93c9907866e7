#!/usr/bin/python
# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Read the public peer ID of a kubo node or an ipfs-cluster peer."""

from __future__ import annotations

DOCUMENTATION = r"""
module: peer_identity_info
short_description: Read the peer ID of a kubo node or an ipfs-cluster peer
description:
  - Reads the peer ID from kubo's C(config) (C(Identity.PeerID)) or from
    ipfs-cluster's C(identity.json) (C(id)), so other hosts can build their
    bootstrap, peering and trust lists before any daemon starts.
  - Only the public ID is returned; the private key never leaves the host.
version_added: 0.3.0
author: pinfleet developers (@pinfleet)
options:
  path:
    description: kubo's C(config) or ipfs-cluster's C(identity.json).
    type: path
    required: true
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - pinfleet.ipfs.attributes
"""

EXAMPLES = r"""
- name: Read the cluster peer ID
  pinfleet.ipfs.peer_identity_info:
    path: /var/lib/ipfs-cluster/identity.json
  register: cluster_identity
"""

RETURN = r"""
peer_id:
  description: The peer ID; empty in check mode for a peer the run would initialise.
  returned: success
  type: str
  sample: 12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pinfleet.ipfs.plugins.module_utils.json_config import load_json


def read_peer_id(data: dict) -> str:
    """The ID of a kubo config ({"Identity": {"PeerID"}}) or a cluster identity ({"id"})."""
    if isinstance(data.get("Identity"), dict):
        return data["Identity"].get("PeerID", "")
    return data.get("id", "")


def main():
    module = AnsibleModule(argument_spec={"path": {"type": "path", "required": True}}, supports_check_mode=True)
    path = module.params["path"]
    if module.check_mode and not os.path.exists(path):
        # A peer the run would initialise: its ID is made then.
        module.exit_json(changed=True, peer_id="", msg=f"{path} would be made by the run")
    data = load_json(module, path, "initialise the repository or the cluster peer first")
    peer_id = read_peer_id(data) if isinstance(data, dict) else ""
    if not peer_id.startswith(("12D3KooW", "Qm")):
        module.fail_json(msg=f"{path} holds no peer ID: restore it from a backup")
    module.exit_json(changed=False, peer_id=peer_id)


if __name__ == "__main__":
    main()

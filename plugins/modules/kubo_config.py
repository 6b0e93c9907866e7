#!/usr/bin/python
"""Set kubo configuration keys one by one, reporting a diff."""

from __future__ import annotations

DOCUMENTATION = r"""
module: kubo_config
short_description: Set kubo configuration keys one by one
description:
  - Reads the JSON config of a kubo repository, sets the given keys and writes
    it back atomically, keeping the file's owner and mode. Keys that are not
    named are left as they are, so the config is never overwritten as a whole.
  - The identity (C(Identity.*)) cannot be set and never appears in a diff.
  - Edits the file, so a running daemon sees the change after its next restart.
version_added: 0.1.0
author: pinfleet developers
options:
  path:
    description: The kubo repository (C(IPFS_PATH)); the config is C(<path>/config).
    type: path
    required: true
  settings:
    description:
      - Keys to set, as dotted paths (C(Swarm.Transports.Network.QUIC)) mapped
        to their JSON values. Missing parent objects are created.
    type: dict
    required: true
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
"""

EXAMPLES = r"""
- name: Make the node private
  pinfleet.ipfs.kubo_config:
    path: /var/lib/ipfs
    settings:
      AutoConf.Enabled: false
      Bootstrap:
        - /ip4/10.0.0.12/tcp/4001/p2p/12D3KooWExample
      Swarm.Transports.Network.Websocket: false
"""

RETURN = r"""
changed_keys:
  description: The dotted keys whose value changed.
  returned: success
  type: list
  elements: str
  sample: [AutoConf.Enabled, Bootstrap]
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pinfleet.ipfs.plugins.module_utils.json_file import load_json
from ansible_collections.pinfleet.ipfs.plugins.module_utils.kubo_settings import apply_settings, write_atomic


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "settings": {"type": "dict", "required": True},
        },
        supports_check_mode=True,
    )
    path = os.path.join(module.params["path"], "config")
    settings = module.params["settings"]

    identity_keys = sorted(k for k in settings if k == "Identity" or k.startswith("Identity."))
    if identity_keys:
        module.fail_json(msg=f"kubo_config does not set the identity ({', '.join(identity_keys)}): "
                             "initialise the repository with the identity instead")
    config = load_json(module, path, "initialise the repository (ipfs init) first")

    changes = apply_settings(config, settings)
    result = {"changed": bool(changes), "changed_keys": sorted(changes)}
    if changes and module._diff:
        result["diff"] = {
            "before_header": path,
            "after_header": path,
            "before": json.dumps({k: v[0] for k, v in sorted(changes.items())}, indent=2) + "\n",
            "after": json.dumps({k: v[1] for k, v in sorted(changes.items())}, indent=2) + "\n",
        }
    if changes and not module.check_mode:
        write_atomic(path, config)
    module.exit_json(**result)


if __name__ == "__main__":
    main()

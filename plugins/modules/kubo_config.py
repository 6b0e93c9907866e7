#!/usr/bin/python
# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Set kubo configuration keys, or render the config from a version's defaults, reporting a diff."""

from __future__ import annotations

DOCUMENTATION = r"""
module: kubo_config
short_description: Set kubo configuration keys, or render the config from a version's defaults
description:
  - Reads the JSON config of a kubo repository, sets the given keys and writes
    it back atomically, keeping the file's owner and mode.
  - Without O(defaults), keys that are not named are left as they are.
  - With O(defaults), the config is rendered - the defaults of the kubo
    version, the sections the daemon owns (O(keep)) taken from the config in
    place, then the settings - so a key that is no longer set goes back to
    its default, or away.
  - The identity (C(Identity.*)) cannot be set and never appears in a diff.
  - Edits the file, so a running daemon sees the change after its next restart.
version_added: 0.3.0
author: pinfleet developers (@pinfleet)
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
  defaults:
    description:
      - A JSON file holding the config C(ipfs init) writes for this kubo version
        (its C(Identity) left out), to render the config from.
    type: path
  keep:
    description:
      - With O(defaults), the top-level sections kept from the config in place,
        the daemon's own (its identity, its datastore's layout).
    type: list
    elements: str
    default: [Identity, Datastore]
  init_profile:
    description:
      - With O(defaults), a file that does not exist yet is made first - what
        C(ipfs init --empty-repo --profile=<init_profile>) writes in a
        throwaway folder, without its private key, owned as the config is -
        so the config renders onto the defaults of the kubo version O(ipfs)
        runs, whoever installed it. In check mode the defaults are made and
        read, and the file is not written.
    type: str
    version_added: 0.4.0
  ipfs:
    description: The kubo program whose defaults O(init_profile) makes.
    type: path
    default: /usr/local/bin/ipfs
    version_added: 0.4.0
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - pinfleet.ipfs.attributes
attributes:
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

# The keys whose values never appear in a result.
_SECRET = ("Identity",)

import json
import os
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pinfleet.ipfs.plugins.module_utils.json_config import (
    apply_settings,
    diff,
    load_json,
    render,
    write_atomic,
)


def init_defaults(module, program: str, profile: str) -> dict:
    """The config a fresh `ipfs init` of this program and profile writes, without its private key."""
    scratch = tempfile.mkdtemp(prefix="pinfleet-kubo-defaults-")
    try:
        rc, _out, err = module.run_command([program, "init", "--empty-repo", f"--profile={profile}"],
                                           environ_update={"IPFS_PATH": scratch})
        if rc != 0:
            module.fail_json(msg=f"{program} init --profile={profile} failed, so its defaults could not be made: "
                                 f"{err.strip()}")
        with open(os.path.join(scratch, "config")) as handle:
            defaults = json.load(handle)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    defaults.get("Identity", {}).pop("PrivKey", None)
    return defaults


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "settings": {"type": "dict", "required": True},
            "defaults": {"type": "path"},
            "keep": {"type": "list", "elements": "str", "default": ["Identity", "Datastore"]},
            "init_profile": {"type": "str"},
            "ipfs": {"type": "path", "default": "/usr/local/bin/ipfs"},
        },
        supports_check_mode=True,
    )
    path = os.path.join(module.params["path"], "config")
    settings = module.params["settings"]

    identity_keys = sorted(k for k in settings if k == "Identity" or k.startswith("Identity."))
    if identity_keys:
        module.fail_json(msg=f"kubo_config does not set the identity ({', '.join(identity_keys)}): "
                             "initialise the repository with the identity instead")
    if module.check_mode and not os.path.exists(path):
        # A repository the run would initialise: init's config, with these settings.
        shown = {k: v for k, v in settings.items() if k.split(".")[0] not in _SECRET}
        result = {"changed": True, "changed_keys": sorted(shown), "msg": f"{path} would be made by ipfs init"}
        if module._diff:
            result["diff"] = {"before_header": path, "after_header": path, "before": "",
                              "after": json.dumps(shown, indent=2, sort_keys=True) + "\n"}
        module.exit_json(**result)
    config = load_json(module, path, "initialise the repository (ipfs init) first")

    if module.params["defaults"] and module.params["init_profile"] and not os.path.exists(module.params["defaults"]):
        defaults = init_defaults(module, module.params["ipfs"], module.params["init_profile"])
        if not module.check_mode:
            folder, owner = os.path.dirname(module.params["defaults"]), os.stat(path)
            os.makedirs(folder, mode=0o700, exist_ok=True)
            os.chown(folder, owner.st_uid, owner.st_gid)
            write_atomic(module.params["defaults"], defaults, like=path)
    elif module.params["defaults"]:
        defaults = load_json(module, module.params["defaults"], "make them with ipfs init in a folder of their own")
    if module.params["defaults"]:
        config, changes = render(defaults, config, settings, module.params["keep"])
    else:
        changes = apply_settings(config, settings)
    changes = {k: v for k, v in changes.items() if k.split(".")[0] not in _SECRET}
    result = {"changed": bool(changes), "changed_keys": sorted(changes)}
    if changes and module._diff:
        result["diff"] = diff(path, changes)
    if changes and not module.check_mode:
        write_atomic(path, config)
    module.exit_json(**result)


if __name__ == "__main__":
    main()

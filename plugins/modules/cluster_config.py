#!/usr/bin/python
# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Render an ipfs-cluster peer's service.json from its version's defaults, reporting the changed keys."""

from __future__ import annotations

DOCUMENTATION = r"""
module: cluster_config
short_description: Render an ipfs-cluster peer's service.json from its version's defaults
description:
  - Renders C(<path>/service.json) - the defaults that this ipfs-cluster version's
    C(ipfs-cluster-service init) writes (O(defaults)), the keys the daemon's data depends on
    taken from the file in place (O(keep)), then the settings, the secret and the REST API's
    credentials - and writes it atomically when a key changed, keeping the file's owner, mode
    C(0600). A setting no longer given goes back to its default, or away.
  - Returns the changed keys, and of them those a running peer reads only when it starts
    (all but O(live)); the diff shows the changed keys, the secret and passwords masked.
  - In check mode nothing is written; a peer without service.json yet (one the run would
    initialise), or without the defaults of its version yet, is reported as changed.
version_added: 0.5.0
author: pinfleet developers (@pinfleet)
options:
  path:
    description: The cluster peer's folder, which holds C(service.json).
    type: path
    required: true
  defaults:
    description:
      - A service.json that C(ipfs-cluster-service init) wrote for this version and consensus, in a
        folder of its own, to render from.
    type: path
    required: true
  settings:
    description:
      - The settings, as nested objects laid out as service.json is (C(cluster.peer_addresses));
        objects are merged key by key, any other value (a list too) replaces the default.
      - The secret and the credentials are O(secret) and O(basic_auth), which a setting given for the same
        key overrides.
    type: dict
    required: true
  secret:
    description: The cluster secret (C(cluster.secret)), as 64 hex characters.
    type: str
    required: true
  basic_auth:
    description: The REST API's users and their passwords (C(api.restapi.basic_auth_credentials)); none when empty.
    type: dict
    default: {}
  keep:
    description:
      - Dotted keys kept from the file in place, the daemon's own
        (C(datastore.pebble.pebble_options.format_major_version), C(consensus.raft.init_peerset)).
    type: list
    elements: str
    default: []
  live:
    description: Dotted keys (or their parents) a running peer takes without a restart.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - pinfleet.ipfs.attributes
attributes:
  diff_mode:
    support: full
"""

EXAMPLES = r"""
- name: Render service.json
  pinfleet.ipfs.cluster_config:
    path: /var/lib/ipfs-cluster
    defaults: /var/lib/ipfs-cluster/defaults/v1.1.6-crdt/service.json
    settings:
      cluster:
        peername: node1
        peer_addresses: [/ip4/10.0.0.12/tcp/9096/p2p/12D3KooWExample]
      consensus: {crdt: {cluster_name: pinfleet, trusted_peers: ["*"]}}
    secret: "{{ cluster_secret }}"
    keep: [datastore.pebble.pebble_options.format_major_version]
    live: [cluster.peer_addresses]
  register: service
"""

RETURN = r"""
changed_keys:
  description: The dotted keys whose value changed.
  returned: success
  type: list
  elements: str
  sample: [cluster.peer_addresses, consensus.crdt.trusted_peers]
restart_keys:
  description: Of the changed keys, those a running peer reads only when it starts (not in O(live)).
  returned: success
  type: list
  elements: str
  sample: [consensus.crdt.trusted_peers]
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pinfleet.ipfs.plugins.module_utils.json_config import (
    diff,
    load_json,
    merge,
    render_nested,
    write_atomic,
)

# What no result shows: the secret and every password.
_MASK = "********"


def secret_key(key: str) -> bool:
    return key == "cluster.secret" or ".basic_auth_credentials." in f".{key}."


def shown(key: str, value):
    return _MASK if value is not None and secret_key(key) else value


def under(key: str, prefixes) -> bool:
    return any(key == p or key.startswith(p + ".") for p in prefixes)


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "defaults": {"type": "path", "required": True},
            "settings": {"type": "dict", "required": True},
            "secret": {"type": "str", "required": True, "no_log": True},
            "basic_auth": {"type": "dict", "default": {}, "no_log": True},
            "keep": {"type": "list", "elements": "str", "default": []},
            "live": {"type": "list", "elements": "str", "default": []},
        },
        supports_check_mode=True,
    )
    path = os.path.join(module.params["path"], "service.json")
    # The secret and the credentials first: a setting given for them too (an operator's extra one) wins.
    settings = {"cluster": {"secret": module.params["secret"]}}
    if module.params["basic_auth"]:
        settings["api"] = {"restapi": {"basic_auth_credentials": module.params["basic_auth"]}}
    merge(settings, module.params["settings"])
    if module.check_mode and not (os.path.exists(path) and os.path.exists(module.params["defaults"])):
        module.exit_json(changed=True, changed_keys=[], restart_keys=[],
                         msg=f"{path} would be made by ipfs-cluster-service init, or rendered from the defaults"
                             " that init makes for this version, from the settings")
    current = load_json(module, path, "initialise the peer (ipfs-cluster-service init) first")
    defaults = load_json(module, module.params["defaults"],
                         "make them with ipfs-cluster-service init in a folder of their own")
    config, changes = render_nested(defaults, current, settings, module.params["keep"])
    result = {"changed": bool(changes), "changed_keys": sorted(changes),
              "restart_keys": sorted(k for k in changes if not under(k, module.params["live"]))}
    if changes and module._diff:
        result["diff"] = diff(path, changes, shown)
    if changes and not module.check_mode:
        write_atomic(path, config, mode=0o600)
    module.exit_json(**result)


if __name__ == "__main__":
    main()

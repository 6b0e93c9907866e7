#!/usr/bin/python
# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""What a peer holds on disk: free space, the size of kubo's repository, digests of its secrets."""

from __future__ import annotations

DOCUMENTATION = r"""
module: peer_disk_info
short_description: What a peer holds on disk - free space, the repository's size, digests of its secrets
description:
  - Reads, changing nothing, the free space of the filesystem each of O(paths)
    is on (for a folder not made yet, that of its nearest existing parent), so the
    checks can refuse a run that would fill a disk before anything is written.
  - With O(kubo_path), also what kubo's repository there holds, as kubo
    counts it against C(Datastore.StorageMax), and the digest of the swarm key
    it holds; with O(storage_max), that limit in bytes, read as kubo reads it.
  - With O(cluster_path), the digest of the cluster secret the peer's
    C(service.json) holds. Digests are those of
    P(pinfleet.ipfs.swarm_key_digest#filter) and
    P(pinfleet.ipfs.cluster_secret_digest#filter), so the checks can tell a
    changed secret in the inventory from the one a running network uses
    without the secret leaving the host.
version_added: 0.4.0
author: pinfleet developers (@pinfleet)
options:
  paths:
    description: The folders to tell the free space of.
    type: list
    elements: path
    default: []
  kubo_path:
    description: kubo's repository.
    type: path
  storage_max:
    description: A size as kubo reads C(Datastore.StorageMax) (C(10GB), C(500MB), C(1.5TiB)).
    type: str
  cluster_path:
    description: The cluster peer's folder, which holds C(service.json).
    type: path
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - pinfleet.ipfs.attributes
"""

EXAMPLES = r"""
- name: Read the free space, the repository's size and the swarm key's digest
  pinfleet.ipfs.peer_disk_info:
    paths: [/opt/pinfleet, /var/lib/ipfs]
    kubo_path: /var/lib/ipfs
    storage_max: 10GB
  register: space
"""

RETURN = r"""
free:
  description: Free bytes (for an unprivileged writer) on each path's filesystem, by path.
  returned: always
  type: dict
  sample: {/opt/pinfleet: 52428800}
repo_bytes:
  description: What the repository holds, in bytes; null where there is no repository yet.
  returned: with O(kubo_path)
  type: int
  sample: 56623104
storage_max_bytes:
  description: O(storage_max) in bytes.
  returned: with O(storage_max)
  type: int
  sample: 10000000000
swarm_key_digest:
  description: The digest of the repository's C(swarm.key); null where there is none, or it is not a valid key.
  returned: with O(kubo_path)
  type: str
  sample: 3f2a9c0e5b7d1a44
cluster_secret_digest:
  description: The digest of the secret in C(service.json); null where there is none, or it is not a valid secret.
  returned: with O(cluster_path)
  type: str
  sample: 9b1e04d2c3a5f677
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pinfleet.ipfs.plugins.module_utils.host_space import free_bytes, parse_bytes, repo_bytes
from ansible_collections.pinfleet.ipfs.plugins.module_utils.secrets import (
    cluster_secret_digest,
    cluster_secret_problem,
    swarm_key_digest,
    swarm_key_problem,
)


def read(path: str, parse=None):
    """A file's text (or what parse makes of it), or None where there is none to read."""
    try:
        with open(path) as handle:
            return parse(handle) if parse else handle.read()
    except (OSError, ValueError):
        return None


def main():
    module = AnsibleModule(
        argument_spec={
            "paths": {"type": "list", "elements": "path", "default": []},
            "kubo_path": {"type": "path"},
            "storage_max": {"type": "str"},
            "cluster_path": {"type": "path"},
        },
        supports_check_mode=True,
    )
    p = module.params
    result = {"changed": False, "free": {path: free_bytes(path) for path in p["paths"]}}
    if p["kubo_path"]:
        result["repo_bytes"] = repo_bytes(p["kubo_path"])
        key = read(os.path.join(p["kubo_path"], "swarm.key"))
        result["swarm_key_digest"] = None if key is None or swarm_key_problem(key) else swarm_key_digest(key)
    if p["cluster_path"]:
        service = read(os.path.join(p["cluster_path"], "service.json"), json.load)
        secret = (service or {}).get("cluster", {}).get("secret") if isinstance(service, dict) else None
        result["cluster_secret_digest"] = (None if secret is None or cluster_secret_problem(secret)
                                           else cluster_secret_digest(secret))
    if p["storage_max"] is not None:
        try:
            result["storage_max_bytes"] = parse_bytes(p["storage_max"])
        except ValueError as exc:
            module.fail_json(msg=f"storage_max: {exc}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()

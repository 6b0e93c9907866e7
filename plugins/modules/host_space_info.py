#!/usr/bin/python
# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Free space on a peer's folders, and what its kubo repository holds."""

from __future__ import annotations

DOCUMENTATION = r"""
module: host_space_info
short_description: Free space on a peer's folders, and what its kubo repository holds
description:
  - Reads, changing nothing, the free space of the filesystem each of O(paths)
    is on (for a folder not made yet, that of its nearest existing parent), so the
    checks can refuse a run that would fill a disk before anything is written.
  - With O(kubo_path), also what kubo's repository there holds, as kubo
    counts it against C(Datastore.StorageMax); with O(storage_max), that
    limit in bytes, read as kubo reads it.
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
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - pinfleet.ipfs.attributes
"""

EXAMPLES = r"""
- name: Read the free space and the repository's size
  pinfleet.ipfs.host_space_info:
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
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pinfleet.ipfs.plugins.module_utils.host_space import free_bytes, parse_bytes, repo_bytes


def main():
    module = AnsibleModule(
        argument_spec={
            "paths": {"type": "list", "elements": "path", "default": []},
            "kubo_path": {"type": "path"},
            "storage_max": {"type": "str"},
        },
        supports_check_mode=True,
    )
    p = module.params
    result = {"changed": False, "free": {path: free_bytes(path) for path in p["paths"]}}
    if p["kubo_path"]:
        result["repo_bytes"] = repo_bytes(p["kubo_path"])
    if p["storage_max"] is not None:
        try:
            result["storage_max_bytes"] = parse_bytes(p["storage_max"])
        except ValueError as exc:
            module.fail_json(msg=f"kubo_storage_max: {exc}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()

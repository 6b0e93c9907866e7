#!/usr/bin/python
# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Install a release so that it cannot lie: unpacked aside, checked, recorded, then moved into place."""

from __future__ import annotations

DOCUMENTATION = r"""
module: release_install
short_description: Install a verified release archive into its versioned folder, atomically
description:
  - Unpacks O(archive) into a hidden folder beside C(<root>/<dist>/<version>/),
    checks that each of O(programs) is there and not empty, records their
    sizes and sha256 digests, and only then renames the folder into place.
    An install cut off half-way (a full disk, a lost connection) leaves no
    folder that looks installed.
  - Does nothing when the version is installed and its programs match what
    was recorded; installs it again, in the same way, when they do not.
  - O(archive) is a copy the caller sent to the host; it is removed once
    unpacked, or when unpacking fails.
  - A full disk fails the module with one line naming the folder and its free
    space, and leaves an installed version as it was.
version_added: 0.4.0
author: pinfleet developers (@pinfleet)
options:
  archive:
    description: The release archive (.tar.gz, verified against its published sha512) on the host.
    type: path
    required: true
  dist:
    description: The distribution (C(kubo), C(ipfs-cluster-service), C(ipfs-cluster-ctl)).
    type: str
    required: true
  version:
    description: The release's version, with its leading v.
    type: str
    required: true
  programs:
    description: The programs the release must hold; defaults to the distribution's name.
    type: list
    elements: str
  root:
    description: Where releases are unpacked, C(<root>/<dist>/<version>/).
    type: path
    default: /opt/pinfleet
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - pinfleet.ipfs.attributes
"""

EXAMPLES = r"""
- name: Install kubo v0.43.1 from the archive sent to the host
  pinfleet.ipfs.release_install:
    archive: /opt/pinfleet/kubo/.v0.43.1.tar.gz
    dist: kubo
    version: v0.43.1
    programs: [ipfs]
"""

RETURN = r"""
folder:
  description: The release's folder.
  returned: always
  type: str
  sample: /opt/pinfleet/kubo/v0.43.1
replaced:
  description: What was wrong with the install this one replaced, by program (empty for a first install).
  returned: changed
  type: dict
  sample: {ipfs: empty}
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pinfleet.ipfs.plugins.module_utils.host_space import free_bytes
from ansible_collections.pinfleet.ipfs.plugins.module_utils.releases import install, is_full, problems


def main():
    module = AnsibleModule(
        argument_spec={
            "archive": {"type": "path", "required": True},
            "dist": {"type": "str", "required": True},
            "version": {"type": "str", "required": True},
            "programs": {"type": "list", "elements": "str"},
            "root": {"type": "path", "default": "/opt/pinfleet"},
        },
        supports_check_mode=True,
    )
    p = module.params
    programs = p["programs"] or [p["dist"]]
    folder = os.path.join(p["root"], p["dist"], p["version"])
    found = problems(folder, programs)
    replaced = found if os.path.exists(folder) else {}
    if not found or module.check_mode:
        if not module.check_mode and os.path.exists(p["archive"]):
            os.unlink(p["archive"])
        module.exit_json(changed=bool(found), folder=folder, replaced=replaced)
    try:
        install(p["archive"], p["root"], p["dist"], p["version"], programs)
    except (OSError, ValueError) as exc:
        if is_full(exc):
            module.fail_json(msg=f"{os.path.dirname(folder)} is full ({free_bytes(folder) // 2**20} MiB free): "
                                 f"{p['dist']} {p['version']} could not be unpacked there and nothing was replaced. "
                                 "Free space there, or set the role's install root elsewhere, and run again.")
        module.fail_json(msg=f"{p['dist']} {p['version']} could not be installed in {folder}: {exc}")
    finally:
        if os.path.exists(p["archive"]):
            os.unlink(p["archive"])
    module.exit_json(changed=True, folder=folder, replaced=replaced)


if __name__ == "__main__":
    main()

#!/usr/bin/python
# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Point the program links at an installed release version, and back."""

from __future__ import annotations

DOCUMENTATION = r"""
module: release_link
short_description: Switch the program links to an installed release version
description:
  - Releases are unpacked side by side into C(<root>/<dist>/<version>/); the
    programs in O(bin_dir) are links into one of them. This module points
    the links at O(version), each replaced atomically, and returns the
    version they pointed at before, so switching back is the same call with
    that version.
  - Refuses, changing nothing, when the version is not installed, or when its
    programs are no longer what was installed (size and sha256 recorded by
    M(pinfleet.ipfs.release_install)). A release unpacked before such records
    existed is switched to if its programs are there and not empty.
  - Without O(version) it only reports the version linked now and whether its
    programs are sound, so a run can skip installing a release that is in
    place and install again one that is damaged.
version_added: 0.3.0
author: pinfleet developers (@pinfleet)
options:
  dist:
    description: The distribution (C(kubo), C(ipfs-cluster-service), C(ipfs-cluster-ctl)).
    type: str
    required: true
  version:
    description: The installed version to switch to; omitted, nothing is changed.
    type: str
  programs:
    description: Programs of the distribution to link; defaults to the distribution's name.
    type: list
    elements: str
  root:
    description: Where releases are unpacked.
    type: path
    default: /opt/pinfleet
  bin_dir:
    description: Where the links are.
    type: path
    default: /usr/local/bin
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - pinfleet.ipfs.attributes
attributes:
  diff_mode:
    support: full
"""

EXAMPLES = r"""
- name: Switch to kubo v0.43.1
  pinfleet.ipfs.release_link:
    dist: kubo
    version: v0.43.1
    programs: [ipfs]
  register: kubo_switch

- name: Switch back
  pinfleet.ipfs.release_link:
    dist: kubo
    version: "{{ kubo_switch.previous }}"
    programs: [ipfs]

- name: Find the kubo version linked now, changing nothing
  pinfleet.ipfs.release_link:
    dist: kubo
    programs: [ipfs]
  register: kubo_linked
"""

RETURN = r"""
previous:
  description: >-
    The version the first program's link pointed at before the switch (null if
    there was no link, or its program is gone).
  returned: with O(version)
  type: str
  sample: v0.36.0
current:
  description: >-
    The version the first program's link points at (null if there is no link,
    or its program is gone).
  returned: without O(version)
  type: str
  sample: v0.43.1
  version_added: 0.4.0
linked:
  description: Whether the first program's link exists, even if its program is gone.
  returned: without O(version)
  type: bool
  sample: true
sound:
  description: >-
    Whether the programs of the linked version are there and match the sizes
    and digests recorded when they were installed (false without a link).
  returned: without O(version)
  type: bool
  sample: false
  version_added: 0.4.0
problems:
  description: What is wrong with each program of the linked version that is not sound.
  returned: without O(version)
  type: dict
  sample: {ipfs: empty}
  version_added: 0.4.0
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pinfleet.ipfs.plugins.module_utils.peer_host import linked_version
from ansible_collections.pinfleet.ipfs.plugins.module_utils.releases import problems


def relink(link: str, target: str) -> None:
    staged = link + ".pinfleet-new"
    if os.path.lexists(staged):
        os.unlink(staged)
    os.symlink(target, staged)
    os.replace(staged, link)


def main():
    module = AnsibleModule(
        argument_spec={
            "dist": {"type": "str", "required": True},
            "version": {"type": "str"},
            "programs": {"type": "list", "elements": "str"},
            "root": {"type": "path", "default": "/opt/pinfleet"},
            "bin_dir": {"type": "path", "default": "/usr/local/bin"},
        },
        supports_check_mode=True,
    )
    p = module.params
    programs = p["programs"] or [p["dist"]]
    if p["version"] is None:
        link = os.path.join(p["bin_dir"], programs[0])
        current = linked_version(link)
        found = problems(os.path.join(p["root"], p["dist"], current), programs) if current else {}
        module.exit_json(changed=False, current=current, linked=os.path.islink(link),
                         sound=bool(current) and not found, problems=found)
    folder = os.path.join(p["root"], p["dist"], p["version"])
    links = {os.path.join(p["bin_dir"], name): os.path.join(folder, name) for name in programs}
    previous = linked_version(next(iter(links)))
    # A release unpacked before installs were recorded is whole if its programs are there.
    damaged = {name: problem for name, problem in problems(folder, programs).items() if problem != "not recorded"}
    if damaged and module.check_mode:
        # Check mode on a host the run would install the version on first.
        module.exit_json(changed=True, previous=previous,
                         msg=f"{p['dist']} {p['version']} would be installed in {folder} and linked")
    if damaged:
        module.fail_json(msg=f"{p['dist']} {p['version']} is not installed in {folder} "
                             f"({', '.join(f'{name}: {problem}' for name, problem in damaged.items())}): "
                             "install it before switching to it")
    stale = {link: target for link, target in links.items()
             if not os.path.islink(link) or os.readlink(link) != target}
    result = {"changed": bool(stale), "previous": previous}
    if stale and module._diff:
        result["diff"] = {"before": f"{p['dist']} {previous}\n", "after": f"{p['dist']} {p['version']}\n"}
    if stale and not module.check_mode:
        for link, target in stale.items():
            relink(link, target)
    module.exit_json(**result)


if __name__ == "__main__":
    main()

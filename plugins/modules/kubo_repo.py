#!/usr/bin/python
# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Migrate a stopped kubo node's repository, then re-assert its private-network settings."""

from __future__ import annotations

DOCUMENTATION = r"""
module: kubo_repo
short_description: Migrate a kubo repository and re-assert the private-network settings
description:
  - Runs C(ipfs repo migrate) with the installed (new) program, as the node's
    user, while the daemon is stopped; the module refuses while it runs.
  - Migrations rewrite the config. The one from repository version 16 to 17
    (kubo 0.37) turns AutoConf on and sets C(Bootstrap) and the delegated
    routers to C("auto"), which a private network must never start with. So
    the module then sets O(settings) again, key by key, in the same step.
  - With O(to), migrates to that repository version, downwards too
    (C(--allow-downgrade)); a rollback runs it with the newer program before
    switching back to the older one.
version_added: 0.3.0
author: pinfleet developers (@pinfleet)
options:
  path:
    description: The repository (C(IPFS_PATH)).
    type: path
    default: /var/lib/ipfs
  user:
    description: The node's system user.
    type: str
    default: ipfs
  binary:
    description: The ipfs program to migrate with.
    type: path
    default: /usr/local/bin/ipfs
  to:
    description: Repository version to migrate to; by default the one O(binary) needs.
    type: int
  settings:
    description: Config keys (dotted paths) to set after migrating, as for M(pinfleet.ipfs.kubo_config).
    type: dict
    default: {}
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - pinfleet.ipfs.attributes
"""

EXAMPLES = r"""
- name: Migrate to what the new kubo needs, keeping the node private
  pinfleet.ipfs.kubo_repo:
    settings:
      AutoConf.Enabled: false
      Bootstrap: ["/ip4/10.0.0.12/tcp/4001/p2p/12D3KooWExample"]
      DNS.Resolvers: {}
"""

RETURN = r"""
repo_version_before:
  description: The repository version before.
  returned: success
  type: int
  sample: 16
repo_version:
  description: The repository version after.
  returned: success
  type: int
  sample: 18
changed_keys:
  description: The settings the migration had changed and that were set again.
  returned: success
  type: list
  elements: str
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pinfleet.ipfs.plugins.module_utils.json_config import apply_settings, load_json, write_atomic
from ansible_collections.pinfleet.ipfs.plugins.module_utils.peer_host import lock_held, repo_version


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "default": "/var/lib/ipfs"},
            "user": {"type": "str", "default": "ipfs"},
            "binary": {"type": "path", "default": "/usr/local/bin/ipfs"},
            "to": {"type": "int"},
            "settings": {"type": "dict", "default": {}},
        },
        supports_check_mode=True,
    )
    p = module.params
    before = repo_version(p["path"])
    if before is None:
        module.fail_json(msg=f"{p['path']}/version is missing: {p['path']} is not an initialised kubo repository")
    if lock_held(os.path.join(p["path"], "repo.lock")):
        module.fail_json(msg=f"kubo holds {p['path']}/repo.lock: stop it first (systemctl stop ipfs); "
                             "the repository can only be migrated while the node is offline.")
    rc, out, err = module.run_command([p["binary"], "version", "--repo"])
    if rc != 0:
        module.fail_json(msg=f"{p['binary']} version --repo failed: {err.strip()}")
    target = p["to"] if p["to"] is not None else int(out.strip())

    migrated = target != before
    if migrated and not module.check_mode:
        cmd = ["runuser", "-u", p["user"], "--", "env", f"IPFS_PATH={p['path']}", p["binary"], "repo", "migrate"]
        if p["to"] is not None:
            cmd += [f"--to={target}", "--allow-downgrade"]
        rc, out, err = module.run_command(cmd)
        if rc != 0 or repo_version(p["path"]) != target:
            module.fail_json(msg=f"ipfs repo migrate from {before} to {target} failed: {(err or out).strip()}. "
                                 "The node was not started; roll back to the previous kubo.",
                             repo_version_before=before, repo_version=repo_version(p["path"]))

    config_path = os.path.join(p["path"], "config")
    config = load_json(module, config_path, "restore the repository from a backup")
    changes = apply_settings(config, p["settings"])
    if changes and not module.check_mode:
        write_atomic(config_path, config)
    module.exit_json(changed=migrated or bool(changes), repo_version_before=before,
                     repo_version=target, changed_keys=sorted(changes))


if __name__ == "__main__":
    main()

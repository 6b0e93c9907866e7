#!/usr/bin/python
# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Export, import or clean up an ipfs-cluster peer's state while it is offline."""

from __future__ import annotations

DOCUMENTATION = r"""
module: cluster_backup
short_description: Back up a cluster peer's state to a file, or restore it, while the peer is offline
description:
  - Runs C(ipfs-cluster-service state export|import) as the peer's
    user. These take the peer's lock, so the daemon must be stopped first;
    the module refuses otherwise and says so.
  - C(exported) writes the pinset (one JSON pin per line) to O(file).
  - C(imported) replaces the pinset with O(file), first exporting the current
    state into O(backup_dir), keeping the newest O(keep) copies; it then reads
    the state back, and fails when a pin of O(file) is not in it.
  - It reads and writes the peer's files, not its running daemon; the state a
    running peer serves is read by M(pinfleet.ipfs.peer_state_info).
version_added: 0.3.0
author: pinfleet developers (@pinfleet)
options:
  path:
    description: The peer's config folder (C(IPFS_CLUSTER_PATH)).
    type: path
    default: /var/lib/ipfs-cluster
  state:
    description: What to do.
    type: str
    choices: [exported, imported]
    required: true
  file:
    description: The dump to write (C(exported)) or read (C(imported)).
    type: path
  backup_dir:
    description: Where exports taken before an import are kept.
    type: path
    default: /var/backups/pinfleet
  keep:
    description: How many of those backups to keep.
    type: int
    default: 5
  user:
    description: The peer's system user.
    type: str
    default: ipfs
  binary:
    description: The ipfs-cluster-service program to run (the version that wrote the state).
    type: path
    default: /usr/local/bin/ipfs-cluster-service
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - pinfleet.ipfs.attributes
"""

EXAMPLES = r"""
- name: Export the pinset of the stopped peer
  pinfleet.ipfs.cluster_backup:
    state: exported
    file: /var/backups/pinfleet/state-before-upgrade.ndjson
"""

RETURN = r"""
pins:
  description: Pins in the dump written or read.
  returned: success, not in check mode
  type: int
  sample: 12
backup:
  description: The export taken before an import.
  returned: when state is imported, not in check mode
  type: str
  sample: /var/backups/pinfleet/cluster-state-20260101T000000.ndjson
"""

import glob
import json
import os
import pwd
import shutil
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pinfleet.ipfs.plugins.module_utils.peer_host import lock_held


def count_pins(path: str) -> int:
    with open(path) as handle:
        return sum(1 for line in handle if line.strip())


def cids(dump: str) -> set[str]:
    """The CIDs of a state dump's pins (a CID is a string, or {"/": cid} in older dumps)."""
    found = set()
    for line in dump.splitlines():
        if line.strip():
            cid = json.loads(line).get("cid")
            found.add(cid.get("/") if isinstance(cid, dict) else cid)
    return found


def prune(backup_dir: str, keep: int) -> None:
    for old in sorted(glob.glob(os.path.join(backup_dir, "cluster-state-*.ndjson")))[:-keep or None]:
        os.unlink(old)


class State:
    def __init__(self, module):
        self.module = module
        self.p = module.params

    def run(self, *args: str) -> str:
        cmd = ["runuser", "-u", self.p["user"], "--", self.p["binary"], "--config", self.p["path"], "state", *args]
        rc, out, err = self.module.run_command(cmd)
        if rc != 0:
            self.module.fail_json(msg=f"ipfs-cluster-service state {args[0]} failed: {(err or out).strip()}",
                                  cmd=" ".join(cmd))
        return out

    def export(self, dest: str) -> int:
        """Write the pinset to dest (root's, mode 0600) through stdout: the peer's user needs no access."""
        os.makedirs(os.path.dirname(dest), mode=0o700, exist_ok=True)
        out = self.run("export")
        fd = os.open(dest + ".part", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(out)
        os.replace(dest + ".part", dest)
        return count_pins(dest)

    def import_(self, source: str) -> None:
        """Replace the pinset with source, handed to the peer's user as a file in its own folder."""
        user = pwd.getpwnam(self.p["user"])
        staged = os.path.join(self.p["path"], ".pinfleet-import.ndjson")
        shutil.copyfile(source, staged)
        os.chown(staged, user.pw_uid, user.pw_gid)
        try:
            self.run("import", "-f", staged)
        finally:
            os.unlink(staged)

    def backup(self) -> str:
        dest = os.path.join(self.p["backup_dir"], time.strftime("cluster-state-%Y%m%dT%H%M%S.ndjson"))
        self.export(dest)
        prune(self.p["backup_dir"], self.p["keep"])
        return dest


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "default": "/var/lib/ipfs-cluster"},
            "state": {"type": "str", "required": True, "choices": ["exported", "imported"]},
            "file": {"type": "path"},
            "backup_dir": {"type": "path", "default": "/var/backups/pinfleet"},
            "keep": {"type": "int", "default": 5},
            "user": {"type": "str", "default": "ipfs"},
            "binary": {"type": "path", "default": "/usr/local/bin/ipfs-cluster-service"},
        },
        required_if=[("state", "exported", ["file"]), ("state", "imported", ["file"])],
        supports_check_mode=True,
    )
    params = module.params
    lock = os.path.join(params["path"], "cluster.lock")
    if lock_held(lock):
        module.fail_json(msg=f"The cluster peer holds {lock}: stop it first (systemctl stop ipfs-cluster); "
                             "the state can only be exported or imported while it is offline.")
    if params["state"] == "imported" and not os.path.isfile(params["file"]):
        module.fail_json(msg=f"{params['file']} does not exist: give a dump made by state export")
    if module.check_mode:
        module.exit_json(changed=True)

    state = State(module)
    if params["state"] == "exported":
        module.exit_json(changed=True, pins=state.export(params["file"]))
    backup = state.backup()
    state.import_(params["file"])
    # What the store holds now, read back: ipfs-cluster-service reads a
    # mistyped CID as another one, or merges it with one, without a word.
    held = cids(state.run("export"))
    with open(params["file"]) as handle:
        missing = sorted(cids(handle.read()) - held)
    if missing:
        module.fail_json(msg=f"After the import of {params['file']}, the state lacks {len(missing)} of its pins "
                             f"({', '.join(missing[:3])}): ipfs-cluster-service read them as other CIDs. "
                             f"The state from before the import is in {backup}.", pins=len(held), backup=backup)
    module.exit_json(changed=True, pins=len(held), backup=backup)


if __name__ == "__main__":
    main()

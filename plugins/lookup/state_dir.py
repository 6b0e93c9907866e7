# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""The controller folder where pinfleet keeps what it writes: outside the inventory, one per inventory."""

from __future__ import annotations

DOCUMENTATION = r"""
name: state_dir
version_added: 0.4.0
short_description: The controller folder for pinfleet's lock, records, backups and reports
description:
  - Returns V(pinfleet_state_dir) when it is set.
  - Otherwise a folder of the controller user's own, outside any inventory (Ansible would read
    files inside an inventory folder as inventory sources), one per inventory, so that every run
    against the same inventory finds the same lock and upgrade records -
    C($XDG_STATE_HOME/pinfleet/<inventory folder name>-<8 hex digits of its path's sha256>), with
    C($XDG_STATE_HOME) defaulting to C(~/.local/state).
  - An inventory moved to another path gets another folder; set V(pinfleet_state_dir) to keep one
    folder whatever the path, and on AWX or Automation Controller, where each job's home is thrown away.
author: pinfleet developers (@pinfleet)
"""

EXAMPLES = r"""
- name: Show where the runs keep their records
  ansible.builtin.debug:
    msg: "{{ lookup('pinfleet.ipfs.state_dir') }}"
"""

RETURN = r"""
_raw:
  description: The folder's path (one element).
  type: list
  elements: path
"""

import hashlib
import os

from ansible.plugins.lookup import LookupBase


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        variables = variables or {}
        if variables.get("pinfleet_state_dir") is not None:
            return [os.path.expanduser(str(self._templar.template(variables["pinfleet_state_dir"])))]
        inventory = os.path.abspath(str(variables.get("inventory_dir") or os.getcwd()))
        base = os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state")
        key = hashlib.sha256(inventory.encode()).hexdigest()[:8]
        return [os.path.join(base, "pinfleet", f"{os.path.basename(inventory) or 'inventory'}-{key}")]

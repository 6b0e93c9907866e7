# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""The fleet record of the given hosts: the state folder's files, and the fact cache's entries."""

from __future__ import annotations

DOCUMENTATION = r"""
name: fleet_record
version_added: 0.5.0
short_description: What the given hosts published at their last successful run
description:
  - Returns one dictionary, by inventory name, of the recorded entries of those given hosts that
    have one (see M(pinfleet.ipfs.fleet_record)).
  - Reads C(<folder>/fleet/<host>.json), and takes the entries of O(cached) (the hosts' cached fact
    C(pinfleet_recorded), which Automation Controller's fact storage carries between jobs); of two
    entries of one host, the one seen last.
author: pinfleet developers (@pinfleet)
options:
  _terms:
    description: Inventory names of the hosts.
    type: list
    elements: str
    required: true
  folder:
    description: The state folder (P(pinfleet.ipfs.state_dir#lookup)).
    type: path
    required: true
  cached:
    description: Entries from the fact cache, each with its C(host).
    type: list
    elements: dict
    default: []
"""

EXAMPLES = r"""
- name: Read the record
  ansible.builtin.set_fact:
    pinfleet_fleet: >-
      {{ lookup('pinfleet.ipfs.fleet_record', *groups['storage'], folder=lookup('pinfleet.ipfs.state_dir'),
                cached=groups['storage'] | map('extract', hostvars) | selectattr('pinfleet_recorded', 'defined')
                       | map(attribute='pinfleet_recorded') | list) }}
"""

RETURN = r"""
_raw:
  description: One dictionary of the entries by inventory name.
  type: list
  elements: dict
"""

from ansible.plugins.lookup import LookupBase
from ansible_collections.pinfleet.ipfs.plugins.module_utils import fleet_record


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        hosts = [str(term) for term in terms]
        cached = {e.get("host"): dict(e) for e in self.get_option("cached") or [] if e.get("host") in hosts}
        return [fleet_record.newest(fleet_record.read(self.get_option("folder"), hosts), cached)]

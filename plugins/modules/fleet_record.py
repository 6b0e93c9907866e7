#!/usr/bin/python
# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Documentation of the fleet_record action, which runs on the controller (plugins/action/fleet_record.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: fleet_record
short_description: Keep what each host of the fleet published, between runs, on the controller
description:
  - Writes each entry of O(entries) to C(<path>/fleet/<host>.json), over that host's former entry
    (the facts an entry leaves out are kept), and deletes the files of the hosts in O(forget).
  - One file per host, so that runs on different parts of the fleet (a C(--limit), the slices of a
    sliced job) never write the same file; a file is replaced at once (written beside it, then renamed).
  - The entries are what the hosts published, never a private key - kubo and cluster peer IDs,
    addresses, ports, versions, cluster and consensus, networks. P(pinfleet.ipfs.fleet_record#lookup)
    reads them back.
  - An action, it runs on the controller whatever the task's host; in check mode it writes nothing.
version_added: 0.5.0
author: pinfleet developers (@pinfleet)
options:
  path:
    description: The state folder (P(pinfleet.ipfs.state_dir#lookup)).
    type: path
    required: true
  entries:
    description:
      - The entries to record, each a dictionary with C(host) (the inventory name), C(seen) (when, as
        C(YYYY-MM-DDTHH:MM:SSZ)) and the host's published facts C(kubo_peer), C(cluster_peer),
        C(metrics_peer) and C(pinfleet_host), those it has.
    type: list
    elements: dict
    default: []
  forget:
    description: Inventory names of hosts to take out of the record (removed from the fleet).
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Record what the hosts of the run published
  pinfleet.ipfs.fleet_record:
    path: "{{ lookup('pinfleet.ipfs.state_dir') }}"
    entries: "{{ ansible_play_hosts | map('extract', hostvars, 'pinfleet_recorded') | list }}"
  run_once: true

- name: Take the removed hosts out
  pinfleet.ipfs.fleet_record:
    path: "{{ lookup('pinfleet.ipfs.state_dir') }}"
    forget: "{{ groups['decommission'] }}"
  run_once: true
"""

RETURN = r"""
written:
  description: The hosts whose entries were written.
  returned: always
  type: list
  elements: str
forgotten:
  description: The hosts taken out of the record (those that were in it).
  returned: always
  type: list
  elements: str
"""

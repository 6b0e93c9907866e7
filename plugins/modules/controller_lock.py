#!/usr/bin/python
# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Documentation of the controller_lock action, which runs on the controller (plugins/action/controller_lock.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: controller_lock
short_description: One run at a time on a network, by a lock file on the controller
description:
  - Takes or releases C(<path>/lock), which names the C(ansible-playbook) process that holds it
    and when it took it. Runs on the controller, whatever the task's host; any POSIX controller
    (Linux, macOS, BSD), by C(fcntl) locks.
  - Taking it fails, naming the holder, while another C(ansible-playbook) process holds it. A lock
    whose process is gone (a run that was killed), or is no longer C(ansible-playbook), is taken
    over, and RV(took_over) says so.
  - Creates O(path) (mode 0700) with a C(.gitignore) of its own, so an inventory kept in git does
    not take in the records kept beside the lock.
  - Releasing takes this process out of the lock, and removes it when no other holder is left.
  - An action, it runs on the controller whatever the task's host. The plays take no lock in
    check mode.
version_added: 0.4.0
author: pinfleet developers (@pinfleet)
options:
  path:
    description: The folder of the lock (the plays use the state folder's C(upgrades)).
    type: path
    required: true
  run:
    description:
      - A run ID shared by the processes of one run (the slices of a sliced job, each its own
        C(ansible-playbook) over part of the inventory), which then hold the lock together; the last
        one to release it removes it. Empty, the process holds it alone.
    type: str
    default: ""
    version_added: 0.5.0
  state:
    description: C(locked) takes the lock, C(unlocked) releases it.
    type: str
    choices: [locked, unlocked]
    default: locked
"""

EXAMPLES = r"""
- name: Lock the run
  pinfleet.ipfs.controller_lock:
    path: "{{ lookup('pinfleet.ipfs.state_dir') }}/upgrades"
  run_once: true

- name: Release the lock
  pinfleet.ipfs.controller_lock:
    path: "{{ lookup('pinfleet.ipfs.state_dir') }}/upgrades"
    state: unlocked
  run_once: true
"""

RETURN = r"""
took_over:
  description: When the lock was taken over from a run that ended without releasing it, that run and when it began.
  returned: when taken
  type: str
  sample: took over the lock of run 4242 (started 2026-12-07T02:30:01Z), which had ended without releasing it
released:
  description: Whether this run held the lock and removed it.
  returned: when released
  type: bool
"""

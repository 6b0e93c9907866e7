#!/usr/bin/python
# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Hold a host for one run: a lock file on the host, whichever controller the run comes from."""

from __future__ import annotations

DOCUMENTATION = r"""
module: peer_lock
short_description: Hold a host for one run, whichever controller the run comes from
description:
  - Takes or gives back C(/run/pinfleet/lock) on the host, which names the run that holds it
    (O(run)), the controller it runs on and its process, and when it took it. Under C(/run), it is
    gone when the host restarts, with every run that was changing it.
  - Taking fails, naming the holder, while another run holds it, unless that run is O(take_over);
    the same run taking it again (the slices of one job share a run ID) succeeds.
  - The action plugin of the same name takes over, with a note, a lock of a run of the same
    controller whose C(ansible-playbook) process is gone; a run of another controller is taken over
    only when the operator names it in O(take_over).
  - Giving it back removes it only when O(run) holds it.
version_added: 0.5.0
author: pinfleet developers (@pinfleet)
options:
  run:
    description: The run's ID.
    type: str
    required: true
  controller:
    description: The controller the run comes from (its host name).
    type: str
    default: ""
  pid:
    description: The run's C(ansible-playbook) process on its controller.
    type: int
    default: 0
  take_over:
    description: Runs whose locks may be taken (ended without giving them back).
    type: list
    elements: str
    default: []
  state:
    description: C(locked) takes the lock, C(unlocked) gives it back.
    type: str
    choices: [locked, unlocked]
    default: locked
  path:
    description: The lock file.
    type: path
    default: /run/pinfleet/lock
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - pinfleet.ipfs.attributes
"""

EXAMPLES = r"""
- name: Hold the host for this run
  pinfleet.ipfs.peer_lock:
    run: "{{ pinfleet_run_id | default('') }}"

- name: Give it back
  pinfleet.ipfs.peer_lock:
    run: "{{ pinfleet_run_id | default('') }}"
    state: unlocked
"""

RETURN = r"""
held:
  description:
    - Set by the action plugin, instead of failing, when another run holds the host; its message names that run.
  returned: when another run holds it
  type: bool
holder:
  description: The run that held the lock when it was refused or taken over (C(run), C(controller), C(pid), C(started)).
  returned: when another run held it
  type: dict
took_over:
  description: The run whose lock was taken over.
  returned: when taken
  type: str
"""

import fcntl
import json
import os
import time

from ansible.module_utils.basic import AnsibleModule


def hold(path: str, mine: dict, take_over: list[str]) -> dict:
    """Take the lock at path for run mine['run']: {} when taken, or {'holder': ..., 'taken': bool}."""
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    with open(os.open(path + ".guard", os.O_RDWR | os.O_CREAT, 0o600)) as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        holder = read(path)
        if holder and holder.get("run") not in (mine["run"], *take_over):
            return {"holder": holder, "taken": False}
        write(path, mine)
        return {"holder": holder, "taken": True} if holder and holder.get("run") != mine["run"] else {}


def give_back(path: str, run: str) -> bool:
    if not os.path.exists(path + ".guard"):
        return False
    with open(path + ".guard") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if read(path).get("run") != run:
            return False
        os.unlink(path)
        return True


def read(path: str) -> dict:
    try:
        with open(path) as handle:
            data = json.load(handle)
    except (FileNotFoundError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write(path: str, data: dict) -> None:
    temporary = f"{path}.{os.getpid()}"
    with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
        json.dump(data, handle)
    os.replace(temporary, path)


def main():
    module = AnsibleModule(argument_spec={
        "run": {"type": "str", "required": True},
        "controller": {"type": "str", "default": ""},
        "pid": {"type": "int", "default": 0},
        "take_over": {"type": "list", "elements": "str", "default": []},
        "state": {"type": "str", "choices": ["locked", "unlocked"], "default": "locked"},
        "path": {"type": "path", "default": "/run/pinfleet/lock"},
    }, supports_check_mode=True)
    p = module.params
    # Bookkeeping of the run, taken and given back by it: a run that changes nothing changes nothing.
    if module.check_mode:
        module.exit_json(changed=False)
    if p["state"] == "unlocked":
        module.exit_json(changed=False, released=give_back(p["path"], p["run"]))
    mine = {"run": p["run"], "controller": p["controller"], "pid": p["pid"],
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    found = hold(p["path"], mine, p["take_over"])
    if found and not found["taken"]:
        module.fail_json(msg="held by another run", holder=found["holder"])
    module.exit_json(changed=False, holder=found.get("holder", {}),
                     took_over=found["holder"].get("run", "") if found else "")


if __name__ == "__main__":
    main()

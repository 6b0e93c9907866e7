#!/usr/bin/python
# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Stop, start or restart kubo or the ipfs-cluster peer, and check that it really did."""

from __future__ import annotations

DOCUMENTATION = r"""
module: peer_daemon
short_description: Stop, start or restart kubo or the ipfs-cluster peer, verifiably
description:
  - Stops a daemon's systemd unit gracefully and then checks that it is down
    for real - the process is gone, the ports are closed and the repository
    lock is released - so the next step (a state export, a repository
    migration, a binary swap) finds the files free.
  - Starts it (C(Type=notify) units return once the daemon is ready) and
    checks that it stays active and its ports accept connections. When the
    first start fails and the unit restarts on failure, it waits through two
    of systemd's automatic restarts before it fails.
  - Restarts it the same way, reloading systemd first if the unit file
    changed. Run on one host at a time (the C(throttle) keyword set to 1),
    the peers restart in turn and the others keep serving.
version_added: 0.3.0
author: pinfleet developers (@pinfleet)
options:
  unit:
    description: The systemd unit (C(ipfs.service), C(ipfs-cluster.service)).
    type: str
    required: true
  state:
    description: C(stopped), C(started) or C(restarted).
    type: str
    choices: [stopped, started, restarted]
    required: true
  ports:
    description: Loopback TCP ports the daemon listens on while it runs.
    type: list
    elements: int
    default: []
  lock:
    description: The daemon's lock file (C(repo.lock), C(cluster.lock)), released once it is down.
    type: path
  timeout:
    description: Seconds to wait for the daemon to be down or up.
    type: int
    default: 120
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - pinfleet.ipfs.attributes
"""

EXAMPLES = r"""
- name: Stop the cluster peer
  pinfleet.ipfs.peer_daemon:
    unit: ipfs-cluster.service
    state: stopped
    ports: [9094, 9095, 9096]
    lock: /var/lib/ipfs-cluster/cluster.lock
"""

RETURN = r"""
was_active:
  description: Whether the unit was active before.
  returned: success
  type: bool
at:
  description: When the daemon was found down or up (seconds since the epoch).
  returned: success
  type: float
retried:
  description: The first start failed and the daemon came up on systemd's automatic restart.
  returned: success, not in check mode
  type: bool
"""

import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pinfleet.ipfs.plugins.module_utils.peer_host import journal, lock_held, port_open, unit_show


def prop(module, unit: str, name: str) -> str:
    """One property of the unit, as systemctl show gives it."""
    return unit_show(module, unit, name).get(name, "").strip()


def down_problems(module, unit, ports, lock) -> list[str]:
    problems = []
    pid = prop(module, unit, "MainPID")
    if pid not in ("", "0"):
        problems.append(f"its process {pid} is still there")
    problems += [f"port {port} still accepts connections" for port in ports if port_open(port)]
    if lock and lock_held(lock):
        problems.append(f"{lock} is still locked")
    return problems


# Automatic restarts (Restart=on-failure) waited for after a failed start.
_RETRIES = 2


def restarts(module, unit) -> int | None:
    """How often systemd restarted the unit by itself (NRestarts); None if it does not restart it."""
    props = unit_show(module, unit, "Restart", "NRestarts")
    if props.get("Restart", "no") == "no":
        return None
    return int(props.get("NRestarts") or 0)


def up_problems(module, unit, ports) -> list[str]:
    state = prop(module, unit, "ActiveState")
    problems = [] if state == "active" else [f"the unit is {state}"]
    return problems + [f"port {port} does not accept connections" for port in ports if not port_open(port)]


def main():
    module = AnsibleModule(
        argument_spec={
            "unit": {"type": "str", "required": True},
            "state": {"type": "str", "required": True, "choices": ["stopped", "started", "restarted"]},
            "ports": {"type": "list", "elements": "int", "default": []},
            "lock": {"type": "path"},
            "timeout": {"type": "int", "default": 120},
        },
        supports_check_mode=True,
    )
    unit, state, ports, lock = (module.params[k] for k in ("unit", "state", "ports", "lock"))
    verb = {"stopped": "stop", "started": "start", "restarted": "restart"}[state]
    # A unit that keeps failing to start sits in "activating" between its
    # restarts: it is not down until systemd is told to stop it.
    now = prop(module, unit, "ActiveState")
    was_active = now == "active"
    changed = {"stopped": now not in ("inactive", "failed"), "started": now != "active", "restarted": True}[state]
    if module.check_mode:
        module.exit_json(changed=changed, was_active=was_active, at=time.time())
    if state == "restarted" and prop(module, unit, "NeedDaemonReload") == "yes":
        module.run_command(["systemctl", "daemon-reload"], check_rc=True)
    failed_first = False
    if changed and module.run_command(["systemctl", verb, unit])[0] != 0:
        # The unit's Restart=on-failure tries again: a daemon that crashed once
        # on its way up (ipfs-cluster's raft can) gets two more chances.
        if state == "stopped" or restarts(module, unit) is None:
            module.fail_json(msg=f"systemctl could not {verb} {unit}. Its log ends: {journal(module, unit)}",
                             was_active=was_active)
        failed_first = True
    first, start = restarts(module, unit), time.monotonic()
    while problems := (down_problems(module, unit, ports, lock) if state == "stopped"
                       else up_problems(module, unit, ports)):
        gave_up = failed_first and (restarts(module, unit) or 0) - (first or 0) > _RETRIES
        if time.monotonic() - start > module.params["timeout"] or gave_up:
            module.fail_json(msg=f"{unit} is not {state} after {round(time.monotonic() - start)}s: "
                                 + "; ".join(problems) + f". Its log ends: {journal(module, unit)}",
                             was_active=was_active)
        time.sleep(0.5)
    module.exit_json(changed=changed, was_active=was_active, at=time.time(), retried=failed_first)


if __name__ == "__main__":
    main()

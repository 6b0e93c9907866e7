# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Holds a host for the run (the peer_lock module), taking over the lock of a run of this controller that is gone."""

from __future__ import annotations

import os
import socket

from ansible.plugins.action import ActionBase
from ansible_collections.pinfleet.ipfs.plugins.action.controller_lock import playbook_runs


def refusal(host: str, holder: dict) -> str:
    return (f"{host} is held by another run of site.yml, remove.yml or upgrade.yml (run {holder.get('run')}, from"
            f" {holder.get('controller') or 'an unnamed controller'}, started {holder.get('started')}): wait for it"
            " to end. Nothing was changed. If that run is gone (its controller stopped), run again with"
            f" -e pinfleet_lock_take_over={holder.get('run')}.")


def gone(holder: dict, controller: str) -> bool:
    """Whether the holding run is of this controller and its ansible-playbook process has ended."""
    pid = holder.get("pid")
    return holder.get("controller") == controller and isinstance(pid, int) and pid > 0 and not playbook_runs(pid)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        controller, pid = socket.gethostname(), os.getppid()
        args.update(run=args.get("run") or f"{controller}:{pid}", controller=controller, pid=pid)
        found = self._execute_module("pinfleet.ipfs.peer_lock", module_args=args, task_vars=task_vars)
        holder = found.get("holder") or {}
        if found.get("failed") and gone(holder, controller):
            # A run of this controller that is gone: its lock is taken over, as the controller's lock is.
            args["take_over"] = [*args.get("take_over", []), holder.get("run")]
            found = self._execute_module("pinfleet.ipfs.peer_lock", module_args=args, task_vars=task_vars)
        if found.get("failed") and holder:
            # Held: not a failure of the host, which the play reports for every host at once.
            found = {"changed": False, "held": True, "holder": holder,
                     "msg": refusal(task_vars.get("inventory_hostname", "the host"), holder)}
        result.update(found)
        return result

# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""One run at a time on a network: a lock file on the controller, held by the ansible-playbook process."""

from __future__ import annotations

import fcntl
import os
import subprocess
import time

from ansible.plugins.action import ActionBase

ARGUMENTS = {
    "path": {"type": "path", "required": True},
    "state": {"type": "str", "choices": ["locked", "unlocked"], "default": "locked"},
}


def playbook_runs(pid: int) -> bool:
    """Whether process pid is alive and an ansible-playbook (not a later process given the same number)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, another user's
    try:
        command = subprocess.run(["ps", "-p", str(pid), "-o", "command="], capture_output=True, text=True,
                                 check=False).stdout
    except OSError:
        return True  # no ps: alive is all that is known
    return "ansible-playbook" in command


def take(folder: str, run: int, alive=playbook_runs) -> tuple[str, str]:
    """Take the lock of folder for process run: ('', note) or (refusal, '').

    The note tells that a run which ended without releasing the lock left it."""
    os.makedirs(folder, mode=0o700, exist_ok=True)
    ignore = os.path.join(folder, ".gitignore")
    if not os.path.exists(ignore):
        with open(ignore, "w") as handle:
            handle.write("# pinfleet: run records and backups, not for version control\n*\n")
    path = os.path.join(folder, "lock")
    with open(os.open(path, os.O_RDWR | os.O_CREAT, 0o600), "r+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        holder = handle.read().split()
        note = ""
        if len(holder) >= 2 and holder[0].isdigit() and int(holder[0]) != run:
            if alive(int(holder[0])):
                return (f"another run of site.yml or upgrade.yml (process {holder[0]}, started {holder[1]}) holds"
                        f" {path}: wait for it to end. Nothing was changed."), ""
            note = (f"took over the lock of run {holder[0]} (started {holder[1]}), which had ended without"
                    " releasing it")
        handle.seek(0)
        handle.truncate()
        handle.write(f"{run} {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n")
    return "", note


def release(folder: str, run: int) -> bool:
    """Remove the lock of folder if process run holds it; whether it did."""
    path = os.path.join(folder, "lock")
    try:
        handle = open(path, "r+")
    except FileNotFoundError:
        return False
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        holder = handle.read().split()
        if holder and holder[0] == str(run):
            os.unlink(path)
            return True
    return False


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(ARGUMENTS)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self.validate_argument_spec(argument_spec=ARGUMENTS)[1]
        # A task runs in a worker process that the ansible-playbook process forked.
        run = os.getppid()
        if args["state"] == "unlocked":
            result.update(changed=False, released=release(args["path"], run))
            return result
        refusal, note = take(args["path"], run)
        if refusal:
            result.update(failed=True, msg=refusal)
        else:
            # Bookkeeping: released again at the end of the run, so a run that changes nothing changes nothing.
            result.update(changed=False, took_over=note, msg=note or f"{args['path']}/lock taken")
        return result

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
    "run": {"type": "str", "default": ""},
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


def _holders(text: str) -> list[list[str]]:
    """The lock file's lines: [pid, started, run id] each (the run id '-' when the run shares the lock with none)."""
    lines = [line.split() for line in text.splitlines()]
    return [([*line, "-"])[:3] for line in lines if len(line) >= 2 and line[0].isdigit()]


def take(folder: str, pid: int, alive=playbook_runs, run: str = "") -> tuple[str, str]:
    """Take the lock of folder for process pid: ('', note) or (refusal, '').

    Processes that give one run id (the slices of one sliced job) hold it together; any other process
    is refused while a holder lives. The note tells that a run which ended without releasing the lock
    left it."""
    os.makedirs(folder, mode=0o700, exist_ok=True)
    ignore = os.path.join(folder, ".gitignore")
    if not os.path.exists(ignore):
        with open(ignore, "w") as handle:
            handle.write("# pinfleet: run records and backups, not for version control\n*\n")
    path = os.path.join(folder, "lock")
    run = run or "-"
    with open(os.open(path, os.O_RDWR | os.O_CREAT, 0o600), "r+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        others = [h for h in _holders(handle.read()) if int(h[0]) != pid]
        living = [h for h in others if alive(int(h[0]))]
        dead = [h for h in others if h not in living]
        foreign = [h for h in living if run == "-" or h[2] != run]
        if foreign:
            holder = foreign[0]
            shared = f", run {holder[2]}" if holder[2] != "-" else ""
            return (f"another run of site.yml or upgrade.yml (process {holder[0]}{shared}, started {holder[1]}) holds"
                    f" {path}: wait for it to end. Nothing was changed."), ""
        note = "; ".join(f"took over the lock of run {h[0]} (started {h[1]}), which had ended without releasing it"
                         for h in dead)
        handle.seek(0)
        handle.truncate()
        for holder in [*living, [str(pid), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), run]]:
            handle.write(" ".join(holder) + "\n")
    return "", note


def release(folder: str, pid: int) -> bool:
    """Take process pid out of the lock of folder, removing it when no other holder is left; whether pid held it."""
    path = os.path.join(folder, "lock")
    try:
        handle = open(path, "r+")
    except FileNotFoundError:
        return False
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        holders = _holders(handle.read())
        rest = [h for h in holders if h[0] != str(pid)]
        if len(rest) == len(holders):
            return False
        if rest:
            handle.seek(0)
            handle.truncate()
            handle.writelines(" ".join(h) + "\n" for h in rest)
        else:
            os.unlink(path)
        return True


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(ARGUMENTS)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self.validate_argument_spec(argument_spec=ARGUMENTS)[1]
        # A task runs in a worker process that the ansible-playbook process forked.
        pid = os.getppid()
        if args["state"] == "unlocked":
            result.update(changed=False, released=release(args["path"], pid))
            return result
        refusal, note = take(args["path"], pid, run=args["run"])
        if refusal:
            result.update(failed=True, msg=refusal)
        else:
            # Bookkeeping: released again at the end of the run, so a run that changes nothing changes nothing.
            result.update(changed=False, took_over=note, msg=note or f"{args['path']}/lock taken")
        return result

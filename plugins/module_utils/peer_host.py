# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""What the modules check on a peer's host: locks, ports, links, versions, systemd units."""

from __future__ import annotations

import errno
import fcntl
import os
import re
import socket

_VERSION_DIR = re.compile(r"/(?P<dist>[^/]+)/(?P<version>v\d[^/]*)/[^/]+$")


def lock_held(path: str) -> bool:
    """Whether a process holds the lock file (flock or fcntl, as go-fs-lock may use either)."""
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        for lock, unlock in ((fcntl.flock, fcntl.LOCK_UN), (fcntl.lockf, fcntl.LOCK_UN)):
            try:
                lock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    return True
                raise
            lock(fd, unlock)
        return False
    finally:
        os.close(fd)


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 1.0) -> bool:
    """Whether something accepts TCP connections on host:port."""
    try:
        socket.create_connection((host, port), timeout).close()
    except OSError:
        return False
    return True


def linked_version(link: str) -> str | None:
    """The release version a program link points into (/opt/pinfleet/<dist>/<version>/<program>)."""
    try:
        target = os.path.realpath(link, strict=True)
    except OSError:
        return None
    match = _VERSION_DIR.search(target)
    return match.group("version") if match else None


def repo_version(kubo_path: str) -> int | None:
    """The version of the kubo repository at kubo_path (its plain-text version file), if it has one."""
    try:
        with open(os.path.join(kubo_path, "version")) as handle:
            return int(handle.read().strip())
    except (OSError, ValueError):
        return None


def unit_show(module, unit: str, *props: str) -> dict[str, str]:
    """Properties of a systemd unit (systemctl show), by name."""
    args = ["systemctl", "show", unit] + [f"--property={prop}" for prop in props]
    return dict(line.split("=", 1) for line in module.run_command(args)[1].splitlines() if "=" in line)


def journal(module, unit: str, lines: int = 8) -> str:
    """The unit's last log lines, where a daemon says why it would not start, on one line."""
    out = module.run_command(["journalctl", "-u", unit, "-n", str(lines), "--no-pager", "-o", "cat"])[1]
    return " | ".join(line.strip() for line in out.splitlines() if line.strip())

# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Disk space on a peer's host: what a folder has free, what kubo's repository holds, sizes as kubo reads them."""

from __future__ import annotations

import json
import os
import re

# go-humanize's ParseBytes, which kubo reads Datastore.StorageMax with: kB, MB ... are
# powers of 1000, KiB, MiB ... of 1024; a bare K, M ... is a power of 1000.
_UNITS = {"": 1, "b": 1}
for _power, _prefix in enumerate("kmgtpe", start=1):
    _UNITS[_prefix] = _UNITS[_prefix + "b"] = 1000 ** _power
    _UNITS[_prefix + "i"] = _UNITS[_prefix + "ib"] = 1024 ** _power
_SIZE = re.compile(r"^\s*([0-9][0-9,]*(?:\.[0-9]*)?)\s*([a-z]*)\s*$", re.I)


def parse_bytes(text: str) -> int:
    """'10GB' -> 10000000000, '1.5 GiB' -> 1610612736; ValueError for what kubo would not read."""
    match = _SIZE.match(str(text))
    if not match or match.group(2).lower() not in _UNITS:
        raise ValueError(f"'{text}' is not a size kubo reads (10GB, 500MB, 1.5TiB)")
    return int(float(match.group(1).replace(",", "")) * _UNITS[match.group(2).lower()])


def free_bytes(path: str) -> int:
    """Free bytes on the filesystem a path is (or would be) on: that of its nearest existing folder."""
    while not os.path.exists(path):
        path = os.path.dirname(path) or "/"
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


def _tree_bytes(path: str) -> int:
    total = 0
    for folder, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_blocks * 512
            except OSError:
                pass
    return total


def repo_bytes(kubo_path: str) -> int | None:
    """What kubo's repository holds, as kubo counts it for StorageMax, or None without a repository.

    The flatfs block store keeps its own count (blocks/diskUsage.cache, kept by
    kubo as it writes); the rest of the repository is walked. A block store
    without that count is walked too.
    """
    if not os.path.isfile(os.path.join(kubo_path, "config")):
        return None
    blocks = os.path.join(kubo_path, "blocks")
    try:
        with open(os.path.join(blocks, "diskUsage.cache")) as handle:
            counted = int(json.load(handle)["diskUsage"])
    except (OSError, ValueError, KeyError, TypeError):
        counted = None
    total = 0
    for entry in os.scandir(kubo_path):
        if entry.is_dir(follow_symlinks=False):
            if entry.path == blocks and counted is not None:
                total += counted
            else:
                total += _tree_bytes(entry.path)
    return total

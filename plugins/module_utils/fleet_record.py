# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""The fleet record: what each host published at the end of its last successful run, one file per host.

One file per host, so that runs on different hosts (a --limit, the slices of one job) never write the
same file, and a run that reaches part of the fleet leaves the other hosts' entries as they were."""

from __future__ import annotations

import json
import os
import re
import tempfile

_NAME = re.compile(r"^[A-Za-z0-9_.@:-]+$")


def folder(state_dir: str) -> str:
    return os.path.join(state_dir, "fleet")


def _path(state_dir: str, host: str) -> str:
    if not _NAME.match(host) or host.startswith("."):
        raise ValueError(f"{host!r} cannot name a file of the fleet record: rename the host in the inventory")
    return os.path.join(folder(state_dir), f"{host}.json")


def read(state_dir: str, hosts) -> dict[str, dict]:
    """The recorded entries of those hosts that have one."""
    found = {}
    for host in hosts:
        try:
            with open(_path(state_dir, host)) as handle:
                data = json.load(handle)
        except (FileNotFoundError, ValueError):
            continue
        if isinstance(data, dict) and data.get("host") == host:
            found[host] = data
    return found


def newest(*sources: dict) -> dict[str, dict]:
    """Entries by host from several sources (files, a fact cache), the most recently seen of each."""
    merged: dict[str, dict] = {}
    for source in sources:
        for host, data in source.items():
            if isinstance(data, dict) and str(data.get("seen", "")) >= str(merged.get(host, {}).get("seen", "")):
                merged[host] = data
    return merged


def write(state_dir: str, entries: list[dict]) -> list[str]:
    """Record the entries, each over the host's former one (facts it did not publish this time are kept)."""
    os.makedirs(folder(state_dir), mode=0o700, exist_ok=True)
    written = []
    for new in entries:
        host = new["host"]
        path = _path(state_dir, host)
        merged = {**read(state_dir, [host]).get(host, {}), **new}
        descriptor, temporary = tempfile.mkstemp(dir=folder(state_dir), prefix=f".{host}.")
        with os.fdopen(descriptor, "w") as handle:
            json.dump(merged, handle, indent=1, sort_keys=True)
            handle.write("\n")
        os.replace(temporary, path)
        written.append(host)
    return written


def forget(state_dir: str, hosts) -> list[str]:
    """Take the hosts out of the record; those that were in it."""
    gone = []
    for host in hosts:
        try:
            os.unlink(_path(state_dir, host))
            gone.append(host)
        except FileNotFoundError:
            pass
    return gone

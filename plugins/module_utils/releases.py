# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Installed releases that cannot lie: unpacked aside, recorded, then moved into place.

A release lives in <root>/<dist>/<version>/. It is unpacked into a hidden
staging folder beside it, its programs' sizes and digests are recorded there
(RECORD), and only then is the folder renamed into place. A version counts as
installed when its programs still match that record, so an install cut off by
a full disk, or a program damaged since, is found and installed again.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import tarfile

RECORD = ".pinfleet-release.json"


def digest(path: str) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


def problems(folder: str, programs: list[str]) -> dict[str, str]:
    """What is wrong with the installed programs of a release folder, by program (empty: sound).

    A folder without a record (unpacked by an older pinfleet, or by hand) has
    the problem "not recorded" for every program that is otherwise there.
    """
    try:
        with open(os.path.join(folder, RECORD)) as handle:
            record = json.load(handle)
    except (OSError, ValueError):
        record = None
    found = {}
    for name in programs:
        path = os.path.join(folder, name)
        try:
            size = os.stat(path).st_size
        except OSError:
            found[name] = "missing"
            continue
        if not os.access(path, os.X_OK):
            found[name] = "not executable"
        elif size == 0:
            found[name] = "empty"
        elif not record or name not in record:
            found[name] = "not recorded"
        elif size != record[name]["size"]:
            found[name] = f"{size} bytes, {record[name]['size']} when installed"
        elif digest(path) != record[name]["sha256"]:
            found[name] = "changed since it was installed (sha256)"
    return found


def install(archive: str, root: str, dist: str, version: str, programs: list[str]) -> None:
    """Unpack a release archive beside its place, check and record its programs, and move it into place.

    Raises OSError (ENOSPC for a full disk) or ValueError (an archive without
    the programs); a staging folder left by a failure is removed.
    """
    parent = os.path.join(root, dist)
    final = os.path.join(parent, version)
    staging = os.path.join(parent, f".{version}.unpacking")
    os.makedirs(parent, mode=0o755, exist_ok=True)
    shutil.rmtree(staging, ignore_errors=True)
    os.mkdir(staging, 0o755)
    try:
        with tarfile.open(archive) as tar:
            for member in tar:
                # Release archives hold one top folder (kubo/, ipfs-cluster-service/): strip it.
                name = os.path.normpath(member.name).partition("/")[2]
                if not member.isfile() or not name or name.startswith("..") or os.path.isabs(name):
                    continue
                path = os.path.join(staging, name)
                os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
                with tar.extractfile(member) as source, open(path, "wb") as target:
                    shutil.copyfileobj(source, target, 1 << 20)
                    target.flush()
                    os.fsync(target.fileno())
                os.chmod(path, 0o755 if member.mode & 0o111 else 0o644)
        record = {}
        for name in programs:
            path = os.path.join(staging, name)
            if not os.path.isfile(path) or not os.path.getsize(path):
                raise ValueError(f"the archive {os.path.basename(archive)} has no program {name}")
            record[name] = {"size": os.path.getsize(path), "sha256": digest(path)}
        with open(os.path.join(staging, RECORD), "w") as handle:
            json.dump(record, handle)
            handle.flush()
            os.fsync(handle.fileno())
        # A damaged install of this version goes aside first; the record makes the new one count.
        aside = os.path.join(parent, f".{version}.damaged")
        if os.path.lexists(final):
            shutil.rmtree(aside, ignore_errors=True)
            os.rename(final, aside)
        os.rename(staging, final)
        shutil.rmtree(aside, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def is_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)

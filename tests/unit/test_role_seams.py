# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Each role keeps its private names: no other role, playbook or scenario reads them.

A role's private variables and facts start with _<role>_ or __<role>_; what
others may read it publishes under public names (kubo_peer, cluster_peer,
upgrade_plan, ...), declared in its meta/argument_specs.yml.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ROLES = sorted(p.name for p in (ROOT / "roles").iterdir() if p.is_dir())
PRIVATE = re.compile(r"(?<![A-Za-z0-9_])_{1,2}(" + "|".join(ROLES) + r")_[a-z0-9_]+")
SOURCES = [p for p in sorted(ROOT.glob("**/*")) if p.suffix in (".yml", ".yaml", ".j2", ".py")
           and p.is_file() and not {".git", "changelogs", "tests"} & set(p.relative_to(ROOT).parts[:1])]


def owner(path: Path) -> str | None:
    parts = path.relative_to(ROOT).parts
    return parts[1] if parts[0] == "roles" else None


def test_the_roles_are_found():
    assert {"kubo", "cluster", "firewall", "upgrade"} <= set(ROLES)
    assert any(owner(p) == "kubo" for p in SOURCES) and any(p.parts[-2] == "playbooks" for p in SOURCES)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_file_reads_another_roles_private_names(path):
    own = owner(path)
    foreign = sorted({m.group(0) for m in PRIVATE.finditer(path.read_text(encoding="utf-8")) if m.group(1) != own})
    assert not foreign, f"{path.relative_to(ROOT)} reads private names of other roles: {', '.join(foreign)}"


def test_the_check_finds_a_foreign_name():
    text = "when: __kubo_preflight_passed and _cluster_api_url"
    assert [m.group(1) for m in PRIVATE.finditer(text)] == ["kubo", "cluster"]


def entry_points() -> set[tuple[str, str]]:
    """(role, entry point) of every include_role in the roles, playbooks and scenarios."""
    found = set()
    for path in SOURCES:
        if path.suffix != ".yml":
            continue
        for match in re.finditer(r"name: pinfleet\.ipfs\.(\w+)\n(\s+tasks_from: (\w+))?", path.read_text()):
            found.add((match.group(1), match.group(3) or "main"))
    return found


def test_every_entry_point_used_has_an_argument_spec():
    used = entry_points()
    assert ("kubo", "identity") in used and ("daemon", "account") in used
    missing = sorted(f"{role}:{entry}" for role, entry in used
                     if entry not in yaml.safe_load((ROOT / "roles" / role / "meta/argument_specs.yml").read_text())
                     ["argument_specs"])
    assert not missing, f"entry points without an argument spec: {', '.join(missing)}"

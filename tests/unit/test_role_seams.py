# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Each role keeps its private names: no other role, playbook or scenario reads them.

A role's private variables and facts start with _<role>_ or __<role>_; what
others may read it publishes under public names (kubo_peer, cluster_peer,
upgrade_plan, ...), declared in its meta/argument_specs.yml, as are the
collection-wide names (pinfleet_*) it reads. No fact is set that nothing reads.
"""

from __future__ import annotations

import re
from collections import Counter
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


@pytest.mark.parametrize("path", [p for p in SOURCES if p.suffix == ".yml"], ids=lambda p: str(p.relative_to(ROOT)))
def test_no_file_reaches_into_a_role_by_path(path):
    """A role is called through its entry points (include_role, tasks_from), never by its files' paths."""
    assert not re.search(r"role_path\s*}}/\.\.", path.read_text()), \
        f"{path.relative_to(ROOT)} includes another role's file by path: call its entry point (include_role)"


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


SPECS = {role: (ROOT / "roles" / role / "meta/argument_specs.yml").read_text() for role in ROLES}
# A fact every host sets in turn, so that all of them reach a step before any goes on: set, never read.
BARRIERS = {"__upgrade_step"}


def without_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def facts_set(tasks) -> list[str]:
    """The names the set_fact tasks among tasks (and their blocks, and plays' task lists) set."""
    found = []
    for task in tasks if isinstance(tasks, list) else []:
        if not isinstance(task, dict):
            continue
        for key in ("block", "rescue", "always", "pre_tasks", "tasks", "post_tasks", "handlers"):
            found += facts_set(task.get(key))
        facts = task.get("ansible.builtin.set_fact", task.get("set_fact"))
        if isinstance(facts, dict):
            found += [name for name in facts if name != "cacheable"]
    return found


TASK_FILES = [p for p in SOURCES if p.suffix == ".yml" and (p.parent.name in ("tasks", "handlers")
                                                           or p.relative_to(ROOT).parts[0] == "playbooks")]
SET = [(path, name) for path in TASK_FILES for name in facts_set(yaml.safe_load(path.read_text()))]


def test_the_facts_set_are_found():
    assert (ROOT / "roles/kubo/tasks/identity.yml", "kubo_peer") in SET
    assert facts_set([{"block": [{"ansible.builtin.set_fact": {"a": 1, "cacheable": True}}]}]) == ["a"]


@pytest.mark.parametrize("role", ROLES)
def test_every_fact_a_role_publishes_is_in_its_spec(role):
    published = sorted({name for path, name in SET if owner(path) == role and not name.startswith("_")})
    missing = [name for name in published if not re.search(rf"\b{name}\b", SPECS[role])]
    assert not missing, f"roles/{role} publishes {', '.join(missing)}, which its meta/argument_specs.yml does not name"


@pytest.mark.parametrize("role", ROLES)
def test_every_shared_flag_a_role_reads_is_in_its_spec(role):
    """The collection-wide names (pinfleet_*) the playbooks or the operator set, as the role's tasks read them."""
    files = [p for p in SOURCES if owner(p) == role and p.suffix == ".yml" and p.parent.name != "meta"]
    read = sorted({name for p in files
                   for name in re.findall(r"\bpinfleet_[a-z0-9_]+\b", without_comments(p.read_text()))})
    missing = [name for name in read if not re.search(rf"\b{name}\b", SPECS[role])]
    assert not missing, f"roles/{role} reads {', '.join(missing)}, which its meta/argument_specs.yml does not name"


def unread(names: list[str], texts: list[str]) -> list[str]:
    """The names (one entry per set_fact that sets it) that the texts hold no more often than they are set."""
    words = Counter(word for text in texts for word in re.findall(r"\w+", text))
    return sorted(name for name in set(names) if name not in BARRIERS and words[name] <= names.count(name))


def test_the_check_finds_a_fact_never_read():
    setting = "- ansible.builtin.set_fact:\n    __kubo_target: 1\n    kubo_peer: 2\n"
    assert unread(["__kubo_target", "kubo_peer"], [setting, "when: hostvars[h].kubo_peer.id"]) == ["__kubo_target"]


def test_every_fact_set_is_read():
    never = unread([name for _path, name in SET], [without_comments(p.read_text()) for p in SOURCES])
    assert not never, f"facts set and never read: {', '.join(never)}"

"""galaxy.yml's version, the changelog and the version_added of every option and plugin agree.

A release is cut with antsibull-changelog (`antsibull-changelog release`), which moves the fragments into
changelogs/changelog.yaml under galaxy.yml's version: after that, new work needs the next version first.
"""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
VERSION = yaml.safe_load((ROOT / "galaxy.yml").read_text())["version"]


def as_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in str(version).split("."))


def test_unreleased_changes_are_not_filed_under_a_released_version():
    released = yaml.safe_load((ROOT / "changelogs" / "changelog.yaml").read_text())["releases"]
    fragments = sorted(p.name for p in (ROOT / "changelogs" / "fragments").glob("*.y*ml"))
    assert not (fragments and VERSION in released), (
        f"galaxy.yml says {VERSION}, which is released already, and changelogs/fragments holds {fragments}:"
        " set galaxy.yml's version to the next release")
    assert all(as_tuple(v) < as_tuple(VERSION) for v in released if v != VERSION), released


def test_nothing_is_added_in_a_version_after_galaxy_yml_s():
    found = {}
    for path in [*ROOT.glob("plugins/**/*.py"), *ROOT.glob("plugins/**/*.yml"), *ROOT.glob("roles/*/meta/*.yml")]:
        for version in re.findall(r"version_added:\s*['\"]?([0-9.]+)", path.read_text()):
            found.setdefault(version, []).append(str(path.relative_to(ROOT)))
    assert found, "no version_added found at all"
    later = {v: paths for v, paths in found.items() if as_tuple(v) > as_tuple(VERSION)}
    assert not later, f"added in a version after galaxy.yml's {VERSION}: {later}"


def test_what_meta_runtime_yml_removes_is_removed_after_this_version():
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    removals = [routing["deprecation"]["removal_version"] for plugins in runtime.get("plugin_routing", {}).values()
                for routing in plugins.values() if "deprecation" in routing]
    assert all(as_tuple(v) > as_tuple(VERSION) for v in removals), removals

"""The platforms pinfleet claims are the ones its scenarios run, and the preflight says so on any other."""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CODENAMES = {"bookworm": "12", "trixie": "13"}


def test_every_role_claims_the_debian_releases_the_scenarios_run():
    tested = set()
    for scenario in (ROOT / "molecule").glob("*/molecule.yml"):
        tested |= set(re.findall(r"\$\{PINFLEET_IMAGE_DEBIAN(\d+)\}", scenario.read_text()))
    assert tested == {"12", "13"}
    for meta in (ROOT / "roles").glob("*/meta/main.yml"):
        platforms = yaml.safe_load(meta.read_text())["galaxy_info"]["platforms"]
        claimed = {CODENAMES[v] for p in platforms if p["name"] == "Debian" for v in p["versions"]}
        assert [p["name"] for p in platforms] == ["Debian"] and claimed == tested, meta


def preflight(tmp_path, distribution, major, version, service_mgr="systemd"):
    """Run roles/daemon's preflight on a host with these facts; return its exit code and output."""
    facts = {"service_mgr": service_mgr, "distribution": distribution,
             "distribution_major_version": major, "distribution_version": version}
    play = [{"hosts": "localhost", "gather_facts": False, "tasks": [
        {"ansible.builtin.include_tasks": str(ROOT / "roles" / "daemon" / "tasks" / "preflight.yml"),
         "vars": {"ansible_facts": facts}}]}]
    (tmp_path / "play.yml").write_text(json.dumps(play))
    run = subprocess.run(["ansible-playbook", "-i", "localhost,", "-c", "local", str(tmp_path / "play.yml")],
                         check=False, capture_output=True, text=True, env={**os.environ, "ANSIBLE_NOCOLOR": "1"})
    return run.returncode, run.stdout + run.stderr


@pytest.mark.parametrize(("distribution", "major", "version"), [("Debian", "12", "12.12"), ("Debian", "13", "13.2")])
def test_no_warning_on_a_tested_release(tmp_path, distribution, major, version):
    rc, out = preflight(tmp_path, distribution, major, version)
    assert rc == 0 and "WARNING: localhost runs" not in out, out


def test_ubuntu_lts_is_warned_as_expected_to_work(tmp_path):
    rc, out = preflight(tmp_path, "Ubuntu", "24", "24.04")
    assert rc == 0, out
    assert "WARNING: localhost runs Ubuntu 24.04, which pinfleet is not tested on" in out
    assert "tested on Debian 12 (bookworm) and Debian 13 (trixie)" in out and "expected to work" in out


@pytest.mark.parametrize(("distribution", "major", "version"), [("Debian", "11", "11.11"), ("Rocky", "9", "9.6")])
def test_another_release_is_warned_to_be_checked(tmp_path, distribution, major, version):
    rc, out = preflight(tmp_path, distribution, major, version)
    assert rc == 0, out
    assert f"WARNING: localhost runs {distribution} {major if distribution == 'Debian' else version}" in out
    assert "systemd (245 or later" in out


def test_a_host_without_systemd_is_refused(tmp_path):
    rc, out = preflight(tmp_path, "Debian", "13", "13.2", service_mgr="sysvinit")
    assert rc != 0 and "is managed by sysvinit; pinfleet runs its daemons under systemd" in out, out

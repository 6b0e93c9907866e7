"""The Galaxy artifact holds what an operator runs and reads, and nothing an operator keeps in their tree."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_FOLDERS = ("playbooks/", "roles/", "plugins/", "meta/", "inventories/example/", "tests/sanity/")
SHIPPED_FILES = {"README.md", "LICENSE", "CHANGELOG.rst", "requirements.yml", "requirements.txt",
                 "execution-environment.yml", "changelogs/changelog.yaml", "changelogs/config.yaml"}
# What an operator who followed the README keeps in the tree they build from.
OPERATOR_FILES = [
    "inventories/prod/hosts.yml",
    "inventories/prod/group_vars/storage/vault.yml",
    "inventories/prod/upgrades/lock",
    "inventories/prod/upgrades/current.json",
    "inventories/prod/upgrades/20261130T101010/pinset.json",
    "inventories/prod/upgrades/20261130T101010/n1/kubo-config.json",
    "inventories/prod/upgrades/20261130T101010/summary.json",
    "inventories/prod/diagnosis.json",
    "inventories/prod/site-summary.json",
    "inventories/example/diagnosis.json",
    "inventories/example/site-summary.json",
    "inventories/example/upgrades/20261130T101010/summary.json",
    # Variables an operator adds beside the playbooks or in the example, as the README has them replace files there.
    "playbooks/group_vars/all.yml",
    "playbooks/group_vars/storage/vault.yml",
    "playbooks/host_vars/ipfs1.yml",
    "playbooks/local/site-extra.yml",
    "inventories/example/group_vars/all.yml",
    "inventories/example/group_vars/storage/secrets.yml",
    "inventories/example/host_vars/ipfs1.yml",
    "inventories/example/host_vars/ipfs1/vault.yml",
    "state/archives/kubo_v0.43.1_linux-amd64.tar.gz",
    ".cache/pinfleet/archives/ipfs-cluster-service_v1.1.6_linux-amd64.tar.gz",
    "ansible.cfg",
    ".vault-password",
    "playbooks/site.retry",
    "roles/kubo/tasks/.main.yml.swp",
    "plugins/modules/__pycache__/peer_state_info.cpython-311.pyc",
    "tests/output/junit/python3.11.xml",
    "molecule/network/.cache/state.yml",
]


def tracked() -> list[str]:
    out = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard"],
                         capture_output=True, text=True, check=True).stdout
    return [name for name in out.splitlines() if (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def artifact(tmp_path_factory) -> set[str]:
    """The files of the artifact built from a copy of this tree seeded with an operator's files."""
    tree = tmp_path_factory.mktemp("tree") / "ipfs"
    for name in tracked() + OPERATOR_FILES:
        target = tree / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).is_file():
            shutil.copy(ROOT / name, target)
        else:
            target.write_text("secret: operator-only\n")
    out = tmp_path_factory.mktemp("out")
    subprocess.run(["ansible-galaxy", "collection", "build", "--output-path", str(out), str(tree)],
                   capture_output=True, text=True, check=True)
    (built,) = out.glob("pinfleet-ipfs-*.tar.gz")
    with tarfile.open(built) as archive:
        return {member.name for member in archive.getmembers() if member.isfile()}


def test_nothing_an_operator_keeps_goes_into_the_artifact(artifact):
    assert sorted(artifact & set(OPERATOR_FILES)) == []


def test_the_artifact_is_exactly_what_an_operator_runs_and_reads(artifact):
    expected = {name for name in tracked() if name.startswith(SHIPPED_FOLDERS) or name in SHIPPED_FILES}
    expected = {name for name in expected if "__pycache__" not in name}
    assert artifact - {"MANIFEST.json", "FILES.json"} == expected
    assert {"playbooks/site.yml", "roles/kubo/tasks/main.yml", "plugins/modules/peer_state_info.py",
            "meta/runtime.yml", "LICENSE", "requirements.yml"} <= artifact
    # Of the tests, only what ansible-test sanity needs on the installed collection.
    assert {name for name in artifact if name.startswith("tests/")} == {"tests/sanity/ignore-2.19.txt"}
    assert not any(name.startswith(("molecule/", "testbed/", ".")) for name in artifact)

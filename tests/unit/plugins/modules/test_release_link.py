import os

import pytest
from ansible_collections.pinfleet.ipfs.plugins.modules import release_link


@pytest.fixture
def run(run_module):
    return lambda args, **kw: run_module(release_link.main, args, **kw)


@pytest.fixture
def tree(tmp_path):
    for version in ("v0.36.0", "v0.43.1"):
        program = tmp_path / "opt" / "kubo" / version / "ipfs"
        program.parent.mkdir(parents=True)
        program.write_text("#!/bin/sh\n")
        program.chmod(0o755)
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "ipfs").symlink_to(tmp_path / "opt" / "kubo" / "v0.36.0" / "ipfs")
    return tmp_path


def args(tree, version):
    return {"dist": "kubo", "version": version, "programs": ["ipfs"], "root": str(tree / "opt"),
            "bin_dir": str(tree / "bin")}


def test_switches_and_returns_the_previous_version_then_switches_back(run, tree):
    result = run(args(tree, "v0.43.1"))
    assert result["changed"] is True and result["previous"] == "v0.36.0"
    assert os.readlink(tree / "bin" / "ipfs") == str(tree / "opt" / "kubo" / "v0.43.1" / "ipfs")
    assert run(args(tree, "v0.43.1"))["changed"] is False
    back = run(args(tree, result["previous"]))
    assert back["changed"] is True and back["previous"] == "v0.43.1"
    assert os.readlink(tree / "bin" / "ipfs").endswith("/v0.36.0/ipfs")


def test_check_mode_changes_nothing(run, tree):
    result = run(args(tree, "v0.43.1"), check_mode=True)
    assert result["changed"] is True
    assert os.readlink(tree / "bin" / "ipfs").endswith("/v0.36.0/ipfs")


def test_refuses_a_version_that_is_not_installed(run, tree):
    result = run(args(tree, "v0.99.0"))
    assert result["failed"] is True
    assert "is not installed" in result["msg"] and "install it before switching" in result["msg"]
    assert os.readlink(tree / "bin" / "ipfs").endswith("/v0.36.0/ipfs")


def test_without_a_version_reports_the_linked_one_and_changes_nothing(run, tree):
    result = run(args(tree, None))
    # Unpacked without a record of its programs (test_release_install has recorded installs).
    assert result == {"changed": False, "current": "v0.36.0", "linked": True, "sound": False,
                      "problems": {"ipfs": "not recorded"}}
    assert os.readlink(tree / "bin" / "ipfs").endswith("/v0.36.0/ipfs")


def test_a_link_whose_program_is_gone_reports_no_version_but_is_seen(run, tree):
    (tree / "opt" / "kubo" / "v0.36.0" / "ipfs").unlink()
    gone = {"changed": False, "current": None, "sound": False, "problems": {}}
    assert run(args(tree, None)) == dict(gone, linked=True)
    (tree / "bin" / "ipfs").unlink()
    assert run(args(tree, None)) == dict(gone, linked=False)

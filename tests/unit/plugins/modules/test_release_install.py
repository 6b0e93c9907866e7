import errno
import io
import json
import os
import tarfile

import pytest
from ansible_collections.pinfleet.ipfs.plugins.module_utils import releases
from ansible_collections.pinfleet.ipfs.plugins.modules import release_install, release_link


@pytest.fixture
def run(run_module):
    return lambda args, **kw: run_module(release_install.main, args, **kw)


def archive(path, program=b"#!/bin/sh\necho kubo\n", top="kubo"):
    """A release archive laid out as the official ones: one top folder, the program and its papers."""
    with tarfile.open(path, "w:gz") as tar:
        for name, data, mode in ((f"{top}/ipfs", program, 0o755), (f"{top}/LICENSE", b"MIT\n", 0o644)):
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), mode
            tar.addfile(info, io.BytesIO(data))
    return str(path)


def args(tmp_path, **kw):
    return {"archive": archive(tmp_path / "kubo.tar.gz"), "dist": "kubo", "version": "v0.43.1",
            "programs": ["ipfs"], "root": str(tmp_path / "opt"), **kw}


def test_installs_records_and_removes_the_archive_then_does_nothing(run, tmp_path):
    result = run(args(tmp_path))
    folder = tmp_path / "opt" / "kubo" / "v0.43.1"
    assert result["changed"] is True and result["replaced"] == {}
    assert (folder / "ipfs").read_bytes().endswith(b"echo kubo\n") and os.access(folder / "ipfs", os.X_OK)
    record = json.loads((folder / releases.RECORD).read_text())
    assert record["ipfs"]["size"] == (folder / "ipfs").stat().st_size
    assert not (tmp_path / "kubo.tar.gz").exists()
    assert sorted(os.listdir(folder.parent)) == ["v0.43.1"], "a staging folder was left"
    assert run(args(tmp_path))["changed"] is False


@pytest.mark.parametrize("damage", ["empty", "truncated", "edited", "unrecorded"])
def test_a_damaged_install_is_found_and_installed_again(run, tmp_path, damage):
    run(args(tmp_path))
    folder = tmp_path / "opt" / "kubo" / "v0.43.1"
    program = folder / "ipfs"
    if damage == "empty":
        program.write_bytes(b"")
    elif damage == "truncated":
        program.write_bytes(program.read_bytes()[:5])
    elif damage == "edited":
        program.write_bytes(program.read_bytes().replace(b"kubo", b"oops"))
    else:
        (folder / releases.RECORD).unlink()
    assert releases.problems(str(folder), ["ipfs"])
    result = run(args(tmp_path))
    assert result["changed"] is True and "ipfs" in result["replaced"]
    assert releases.problems(str(folder), ["ipfs"]) == {}
    assert sorted(os.listdir(folder.parent)) == ["v0.43.1"]


def test_check_mode_changes_nothing(run, tmp_path):
    result = run(args(tmp_path), check_mode=True)
    assert result["changed"] is True
    assert not (tmp_path / "opt" / "kubo").exists()


def test_an_archive_without_the_program_installs_nothing(run, tmp_path):
    result = run(args(tmp_path, programs=["ipfs", "ipfs-missing"]))
    assert result["failed"] is True and "has no program ipfs-missing" in result["msg"]
    assert os.listdir(tmp_path / "opt" / "kubo") == []


def test_a_full_disk_names_the_folder_and_keeps_the_installed_version(run, tmp_path, monkeypatch):
    run(args(tmp_path))
    folder = tmp_path / "opt" / "kubo" / "v0.43.1"
    (folder / "ipfs").write_bytes(b"")
    before = sorted(os.listdir(folder))

    def full(*_args, **_kw):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(releases.shutil, "copyfileobj", full)
    result = run(args(tmp_path))
    assert result["failed"] is True
    assert result["msg"].startswith(f"{folder.parent} is full (") and "Free space there" in result["msg"]
    assert sorted(os.listdir(folder)) == before and sorted(os.listdir(folder.parent)) == ["v0.43.1"]
    assert not (tmp_path / "kubo.tar.gz").exists()


def test_the_link_reports_a_damaged_install_and_refuses_to_switch_to_it(run, run_module, tmp_path):
    run(args(tmp_path))
    folder = tmp_path / "opt" / "kubo" / "v0.43.1"
    (tmp_path / "bin").mkdir()
    link = {"dist": "kubo", "programs": ["ipfs"], "root": str(tmp_path / "opt"), "bin_dir": str(tmp_path / "bin")}
    assert run_module(release_link.main, dict(link, version="v0.43.1"))["changed"] is True
    assert run_module(release_link.main, link) == {
        "changed": False, "current": "v0.43.1", "linked": True, "sound": True, "problems": {}}
    (folder / "ipfs").unlink()
    (folder / "ipfs").write_bytes(b"")
    (folder / "ipfs").chmod(0o755)
    report = run_module(release_link.main, link)
    assert report["sound"] is False and report["problems"] == {"ipfs": "empty"}
    refused = run_module(release_link.main, dict(link, version="v0.43.1"))
    assert refused["failed"] is True and "ipfs: empty" in refused["msg"]

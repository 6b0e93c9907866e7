"""cluster_backup and kubo_repo on real ipfs-cluster and kubo releases, offline, in a temporary folder.

The releases are those the test bed's mirror holds (testbed/setup.sh); neither
program starts a daemon here: an init, a state export or import, and kubo's
embedded repository migrations all work on the files alone.
"""

import json
import os
import pwd
import subprocess
from pathlib import Path

import pytest
from ansible_collections.pinfleet.ipfs.plugins.modules import cluster_backup, kubo_config, kubo_repo

USER = pwd.getpwuid(os.getuid()).pw_name


@pytest.fixture(scope="module")
def cluster_service(release_program):
    return release_program("ipfs-cluster-service", -1)


def dump_of(*pins):
    """A state dump of the pins (cid, name), as ipfs-cluster-service state export writes it."""
    return "".join(json.dumps({"cid": cid, "name": name, "allocations": [], "max_depth": -1, "mode": "recursive",
                               "replication_factor_min": -1, "replication_factor_max": -1, "type": "pin"}) + "\n"
                   for cid, name in pins)


def test_cluster_state_is_exported_and_imported_with_a_backup_first(run_module, cluster_service, tmp_path):
    peer = tmp_path / "peer"
    subprocess.run([cluster_service, "--config", peer, "init", "--consensus", "crdt", "--datastore", "pebble"],
                   check=True, capture_output=True)
    common = {"path": str(peer), "user": USER, "binary": str(cluster_service), "backup_dir": str(tmp_path / "b")}

    empty = run_module(cluster_backup.main, {**common, "state": "exported", "file": str(tmp_path / "empty.ndjson")})
    assert empty["changed"] and empty["pins"] == 0, empty

    dump = tmp_path / "dump.ndjson"
    dump.write_text(dump_of(("bafkqaalb", "a"), ("bafkqaalc", "b")))
    imported = run_module(cluster_backup.main, {**common, "state": "imported", "file": str(dump)})
    assert imported["changed"] and imported["pins"] == 2, imported
    # What was there before the import is kept.
    assert Path(imported["backup"]).parent == tmp_path / "b" and Path(imported["backup"]).read_text() == ""

    again = run_module(cluster_backup.main, {**common, "state": "exported", "file": str(tmp_path / "again.ndjson")})
    assert again["pins"] == 2
    lines = [json.loads(line) for line in (tmp_path / "again.ndjson").read_text().splitlines()]
    assert sorted(p["cid"] for p in lines) == ["bafkqaalb", "bafkqaalc"]
    assert oct((tmp_path / "again.ndjson").stat().st_mode & 0o777) == "0o600"


def test_an_import_that_loses_pins_fails_and_names_the_backup(run_module, cluster_service, tmp_path):
    """ipfs-cluster-service reads a mistyped CID as another one without a word: the module checks what it kept."""
    peer = tmp_path / "peer"
    subprocess.run([cluster_service, "--config", peer, "init", "--consensus", "crdt", "--datastore", "pebble"],
                   check=True, capture_output=True)
    dump = tmp_path / "dump.ndjson"
    dump.write_text(dump_of(("bafkqaalb", "a"), ("bafkqaab", "mistyped")))
    result = run_module(cluster_backup.main, {"path": str(peer), "user": USER, "binary": str(cluster_service),
                                              "backup_dir": str(tmp_path / "b"), "state": "imported",
                                              "file": str(dump)})
    assert result["failed"] and "lacks 1 of its pins (bafkqaab)" in result["msg"], result
    assert result["backup"] in result["msg"]


def test_a_failing_state_command_fails_with_its_message(run_module, cluster_service, tmp_path):
    result = run_module(cluster_backup.main, {"path": str(tmp_path / "no-peer"), "user": USER, "state": "exported",
                                              "binary": str(cluster_service), "file": str(tmp_path / "x.ndjson")})
    assert result["failed"] and "ipfs-cluster-service state export failed" in result["msg"]


@pytest.fixture(scope="module")
def kubo(release_program):
    return release_program("kubo", 0), release_program("kubo", -1)


def repo_of(ipfs, path):
    subprocess.run([ipfs, "init", "--empty-repo", "--profile=test"], check=True, capture_output=True,
                   env={**os.environ, "IPFS_PATH": str(path), "IPFS_TELEMETRY": "off"})
    return int((path / "version").read_text())


def test_the_repository_migrates_up_keeps_the_node_private_and_migrates_back_down(run_module, kubo, tmp_path):
    old, new = kubo
    repo = tmp_path / "repo"
    before = repo_of(old, repo)
    target = int(subprocess.run([new, "version", "--repo"], check=True, capture_output=True, text=True).stdout)
    if target == before:
        pytest.skip("the mirror's two kubo releases share a repository version")
    private = {"AutoConf.Enabled": False, "Bootstrap": ["/ip4/10.0.0.2/tcp/4001/p2p/12D3KooWA"]}

    up = run_module(kubo_repo.main, {"path": str(repo), "user": USER, "binary": str(new), "settings": private})
    assert not up.get("failed") and up["changed"], up
    assert (up["repo_version_before"], up["repo_version"]) == (before, target)
    assert int((repo / "version").read_text()) == target
    config = json.loads((repo / "config").read_text())
    # A migration may turn AutoConf on and put "auto" in the bootstrap list: set back in the same step.
    assert config["AutoConf"]["Enabled"] is False and config["Bootstrap"] == private["Bootstrap"]

    again = run_module(kubo_repo.main, {"path": str(repo), "user": USER, "binary": str(new), "settings": private})
    assert again["changed"] is False, again

    down = run_module(kubo_repo.main, {"path": str(repo), "user": USER, "binary": str(new), "to": before})
    assert not down.get("failed") and down["changed"] and int((repo / "version").read_text()) == before, down


def test_check_mode_migrates_nothing(run_module, kubo, tmp_path):
    old, new = kubo
    repo = tmp_path / "repo"
    before = repo_of(old, repo)
    result = run_module(kubo_repo.main, {"path": str(repo), "user": USER, "binary": str(new)}, check_mode=True)
    assert result["repo_version_before"] == before and int((repo / "version").read_text()) == before


def test_the_config_renders_onto_defaults_the_installed_kubo_makes(run_module, kubo, tmp_path):
    """What the upgrade and site.yml do after a new kubo is linked: its defaults made once, the config rendered."""
    _old, new = kubo
    repo = tmp_path / "repo"
    repo_of(new, repo)
    (repo / "config").chmod(0o600)
    defaults = repo / "defaults" / "vnew-flatfs.json"
    args = {"path": str(repo), "defaults": str(defaults), "init_profile": "flatfs", "ipfs": str(new),
            "settings": {"AutoConf.Enabled": False, "Bootstrap": []}}
    checked = run_module(kubo_config.main, args, check_mode=True)
    assert not checked.get("failed") and not defaults.exists(), checked
    rendered = run_module(kubo_config.main, args)
    assert not rendered.get("failed"), rendered
    made = json.loads(defaults.read_text())
    assert "PrivKey" not in made["Identity"] and made["Datastore"]["Spec"]
    assert oct(defaults.stat().st_mode & 0o777) == "0o600"
    config = json.loads((repo / "config").read_text())
    assert config["AutoConf"]["Enabled"] is False and config["Bootstrap"] == []
    assert config["Identity"]["PrivKey"], "the node's own key was kept"
    assert run_module(kubo_config.main, args)["changed"] is False

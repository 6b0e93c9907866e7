"""cluster_config renders service.json from a version's defaults: on the file a real init writes, from the test
bed's release mirror (skipped without it)."""

import json
import os
import subprocess

import pytest
from ansible_collections.pinfleet.ipfs.plugins.modules import cluster_config

SECRET = "ab" * 32
NEW_SECRET = "cd" * 32
SETTINGS = {"cluster": {"peername": "s1", "peer_addresses": [], "mdns_interval": "0s"},
            "consensus": {"crdt": {"cluster_name": "pinfleet", "trusted_peers": ["*"]}},
            "api": {"restapi": {"http_listen_multiaddress": "/ip4/127.0.0.1/tcp/9094"}}}
KEEP = ["datastore.pebble.pebble_options.format_major_version"]
LIVE = ["cluster.peer_addresses"]


@pytest.fixture
def run(run_module):
    return lambda args, **kw: run_module(cluster_config.main, args, **kw)


@pytest.fixture(scope="module")
def defaults(tmp_path_factory, release_program):
    """The service.json that ipfs-cluster-service init writes, its identity left out."""
    folder = tmp_path_factory.mktemp("defaults")
    subprocess.run([release_program("ipfs-cluster-service", -1), "--config", folder, "init", "--consensus", "crdt",
                    "--datastore", "pebble"], check=True, capture_output=True)
    (folder / "identity.json").unlink()
    return folder / "service.json"


@pytest.fixture
def peer(tmp_path, defaults):
    """A peer whose service.json is init's, its store's format raised since."""
    config = json.loads(defaults.read_text())
    config["datastore"]["pebble"]["pebble_options"]["format_major_version"] = 99
    (tmp_path / "service.json").write_text(json.dumps(config))
    os.chmod(tmp_path / "service.json", 0o644)
    return tmp_path


def args(peer, defaults, **extra):
    return {"path": str(peer), "defaults": str(defaults), "settings": SETTINGS, "secret": SECRET, "keep": KEEP,
            "live": LIVE, **extra}


def read(peer):
    return json.loads((peer / "service.json").read_text())


def test_renders_the_settings_onto_the_defaults_keeping_the_daemons_own(run, peer, defaults):
    result = run(args(peer, defaults, basic_auth={"admin": "first-password"}))
    assert result["changed"] is True, result
    config = read(peer)
    assert config["cluster"]["peername"] == "s1" and config["cluster"]["secret"] == SECRET
    assert config["consensus"]["crdt"]["cluster_name"] == "pinfleet"
    assert config["api"]["restapi"]["basic_auth_credentials"] == {"admin": "first-password"}
    assert config["datastore"]["pebble"]["pebble_options"]["format_major_version"] == 99
    # The rest of the defaults, as init wrote them.
    initial = json.loads(defaults.read_text())
    assert config["cluster"]["listen_multiaddress"] == initial["cluster"]["listen_multiaddress"]
    assert "cluster.secret" in result["restart_keys"]
    assert oct(os.stat(peer / "service.json").st_mode & 0o777) == "0o600"
    shown = json.dumps(result["diff"])
    assert SECRET not in shown and "first-password" not in shown and "********" in shown


def test_a_second_run_changes_nothing_and_a_setting_dropped_goes_back_to_its_default(run, peer, defaults):
    run(args(peer, defaults, basic_auth={"admin": "first-password"}))
    before = (peer / "service.json").read_text()
    again = run(args(peer, defaults, basic_auth={"admin": "first-password"}))
    assert again["changed"] is False and again["changed_keys"] == [] and "diff" not in again
    assert (peer / "service.json").read_text() == before
    dropped = run(args(peer, defaults))
    # The user's entry goes; init's own value (null, or none) comes back.
    assert "api.restapi.basic_auth_credentials.admin" in dropped["changed_keys"]
    auth = "api.restapi.basic_auth_credentials"
    assert set(dropped["changed_keys"]) <= {auth, f"{auth}.admin"}
    assert read(peer)["api"]["restapi"].get("basic_auth_credentials") == \
        json.loads(defaults.read_text())["api"]["restapi"].get("basic_auth_credentials")


def test_a_live_key_changes_without_a_restart_and_another_with_one(run, peer, defaults):
    run(args(peer, defaults))
    addresses = {**SETTINGS, "cluster": {**SETTINGS["cluster"], "peer_addresses": ["/ip4/10.0.0.2/tcp/9096/p2p/C2"]}}
    live = run(args(peer, defaults, settings=addresses))
    assert live["changed_keys"] == ["cluster.peer_addresses"] and live["restart_keys"] == []
    rotated = run(args(peer, defaults, settings=addresses, secret=NEW_SECRET))
    assert rotated["changed_keys"] == ["cluster.secret"] == rotated["restart_keys"]
    before, after = json.loads(rotated["diff"]["before"]), json.loads(rotated["diff"]["after"])
    assert before == after == {"cluster.secret": "********"}


def test_a_secret_given_in_the_settings_wins(run, peer, defaults):
    """An operator's extra setting (cluster_service_extra) for the secret is what the file gets."""
    extra = {**SETTINGS, "cluster": {**SETTINGS["cluster"], "secret": NEW_SECRET}}
    run(args(peer, defaults, settings=extra))
    assert read(peer)["cluster"]["secret"] == NEW_SECRET


def test_check_mode_shows_the_diff_and_writes_nothing(run, peer, defaults):
    before = (peer / "service.json").read_text()
    result = run(args(peer, defaults), check_mode=True)
    assert result["changed"] is True and "consensus.crdt.cluster_name" in result["changed_keys"]
    assert json.loads(result["diff"]["after"])["consensus.crdt.cluster_name"] == "pinfleet"
    assert (peer / "service.json").read_text() == before


def test_a_peer_not_initialised_yet(run, tmp_path, defaults):
    made = run(args(tmp_path, defaults), check_mode=True)
    assert made["changed"] is True and "would be made by ipfs-cluster-service init" in made["msg"]
    unmade = run(args(tmp_path, tmp_path / "defaults" / "service.json"), check_mode=True)
    assert unmade["changed"] is True
    refused = run(args(tmp_path, defaults))
    assert refused["failed"] and "initialise the peer (ipfs-cluster-service init) first" in refused["msg"]


def test_a_damaged_service_json_names_the_fix(run, peer, defaults):
    (peer / "service.json").write_text("{")
    result = run(args(peer, defaults))
    assert result["failed"] and "is not valid JSON" in result["msg"] and "restore it from a backup" in result["msg"]

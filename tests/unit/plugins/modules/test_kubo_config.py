import json
import os

import pytest
from ansible_collections.pinfleet.ipfs.plugins.modules import kubo_config

CONFIG = {
    "Identity": {"PeerID": "12D3KooWTest", "PrivKey": "CAESQsecret"},
    "Bootstrap": ["auto"],
    "AutoConf": {},
    "Plugins": {"Plugins": None},
    "Swarm": {"Transports": {"Network": {}}},
}


@pytest.fixture
def run(run_module):
    return lambda args, **kw: run_module(kubo_config.main, args, **kw)


@pytest.fixture
def repo(tmp_path):
    (tmp_path / "config").write_text(json.dumps(CONFIG))
    os.chmod(tmp_path / "config", 0o600)
    return tmp_path


def read(repo):
    return json.loads((repo / "config").read_text())


def test_sets_keys_and_reports_a_diff_without_the_private_key(run, repo):
    result = run({"path": str(repo), "settings": {
        "AutoConf.Enabled": False,
        "Bootstrap": ["/ip4/10.0.0.2/tcp/4001/p2p/12D3KooWPeer"],
        "Plugins.Plugins.telemetry.Config.Mode": "off",
        "Swarm.Transports.Network.QUIC": False,
    }})
    assert result["changed"] is True
    assert result["changed_keys"] == ["AutoConf.Enabled", "Bootstrap", "Plugins.Plugins.telemetry.Config.Mode",
                                      "Swarm.Transports.Network.QUIC"]
    config = read(repo)
    assert config["AutoConf"] == {"Enabled": False}
    assert config["Bootstrap"] == ["/ip4/10.0.0.2/tcp/4001/p2p/12D3KooWPeer"]
    assert config["Plugins"]["Plugins"]["telemetry"]["Config"]["Mode"] == "off"
    assert config["Identity"] == CONFIG["Identity"]
    assert json.loads(result["diff"]["before"])["Bootstrap"] == ["auto"]
    assert "CAESQ" not in json.dumps(result["diff"])
    assert oct(os.stat(repo / "config").st_mode & 0o777) == "0o600"


def test_second_run_changes_nothing(run, repo):
    settings = {"AutoConf.Enabled": False, "Bootstrap": []}
    run({"path": str(repo), "settings": settings})
    before = (repo / "config").read_text()
    result = run({"path": str(repo), "settings": settings})
    assert result["changed"] is False and "diff" not in result
    assert (repo / "config").read_text() == before


def test_check_mode_reports_without_writing(run, repo):
    before = (repo / "config").read_text()
    result = run({"path": str(repo), "settings": {"Bootstrap": []}}, check_mode=True)
    assert result["changed"] is True
    assert (repo / "config").read_text() == before


def test_refuses_identity_keys(run, repo):
    result = run({"path": str(repo), "settings": {"Identity.PrivKey": "x"}})
    assert result["failed"] and "does not set the identity" in result["msg"]
    assert read(repo) == CONFIG


def test_missing_repository_names_the_fix(run, tmp_path):
    result = run({"path": str(tmp_path / "none"), "settings": {}})
    assert result["failed"] and "ipfs init" in result["msg"]


def test_corrupt_config_is_left_alone(run, repo):
    (repo / "config").write_text("{broken")
    result = run({"path": str(repo), "settings": {"Bootstrap": []}})
    assert result["failed"] and "not valid JSON" in result["msg"]
    assert (repo / "config").read_text() == "{broken"


DEFAULTS = {
    "Bootstrap": ["auto"],
    "AutoConf": {},
    "Datastore": {"Spec": {"type": "default"}, "StorageMax": "10GB"},
    "Gateway": {"RootRedirect": ""},
    "Swarm": {"Transports": {"Network": {}}},
}


def test_rendered_from_the_defaults_a_key_no_longer_set_goes_back(run, repo):
    """Set once through the settings, then dropped from them: the key returns to the version's default."""
    defaults = repo / "defaults.json"
    defaults.write_text(json.dumps(DEFAULTS))
    current = dict(read(repo), Datastore={"Spec": {"type": "mount", "mounts": []}, "StorageMax": "10GB"})
    (repo / "config").write_text(json.dumps(current))
    args = {"path": str(repo), "defaults": str(defaults), "settings": {"Gateway.RootRedirect": "/x"}}
    assert run(args)["changed_keys"] == ["Gateway.RootRedirect", "Plugins.Plugins"]
    assert read(repo)["Gateway"]["RootRedirect"] == "/x"
    assert run(args)["changed"] is False

    result = run(dict(args, settings={}))
    assert result["changed_keys"] == ["Gateway.RootRedirect"]
    config = read(repo)
    assert config["Gateway"]["RootRedirect"] == ""
    # The daemon's own sections stay as they were, the identity out of every diff.
    assert config["Identity"] == CONFIG["Identity"]
    assert config["Datastore"]["Spec"] == {"type": "mount", "mounts": []}
    assert "Identity" not in json.dumps(result["diff"]) and "CAESQ" not in json.dumps(result["diff"])

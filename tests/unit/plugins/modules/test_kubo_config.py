import json
import os

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args
from ansible_collections.pinfleet.ipfs.plugins.modules import kubo_config

CONFIG = {
    "Identity": {"PeerID": "12D3KooWTest", "PrivKey": "CAESQsecret"},
    "Bootstrap": ["auto"],
    "AutoConf": {},
    "Plugins": {"Plugins": None},
    "Swarm": {"Transports": {"Network": {}}},
}


class Exit(Exception):
    pass


def run(monkeypatch, args, check_mode=False, diff=True):
    args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    result = {}

    def capture(self, **kwargs):
        result.update(kwargs)
        raise Exit

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", capture)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", lambda self, **kw: capture(self, failed=True, **kw))
    with patch_module_args(args), pytest.raises(Exit):
        kubo_config.main()
    return result


@pytest.fixture
def repo(tmp_path):
    (tmp_path / "config").write_text(json.dumps(CONFIG))
    os.chmod(tmp_path / "config", 0o600)
    return tmp_path


def read(repo):
    return json.loads((repo / "config").read_text())


def test_sets_keys_and_reports_a_diff_without_the_private_key(monkeypatch, repo):
    result = run(monkeypatch, {"path": str(repo), "settings": {
        "AutoConf.Enabled": False,
        "Bootstrap": ["/ip4/10.0.0.2/tcp/4001/p2p/12D3KooWPeer"],
        "Plugins.Plugins.telemetry.Config.Mode": "off",
        "Swarm.Transports.Network.QUIC": False,
    }})
    assert result["changed"] is True
    assert result["peer_id"] == "12D3KooWTest"
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


def test_second_run_changes_nothing(monkeypatch, repo):
    settings = {"AutoConf.Enabled": False, "Bootstrap": []}
    run(monkeypatch, {"path": str(repo), "settings": settings})
    before = (repo / "config").read_text()
    result = run(monkeypatch, {"path": str(repo), "settings": settings})
    assert result["changed"] is False and "diff" not in result
    assert (repo / "config").read_text() == before


def test_check_mode_reports_without_writing(monkeypatch, repo):
    before = (repo / "config").read_text()
    result = run(monkeypatch, {"path": str(repo), "settings": {"Bootstrap": []}}, check_mode=True)
    assert result["changed"] is True
    assert (repo / "config").read_text() == before


def test_no_settings_only_reads_the_peer_id(monkeypatch, repo):
    result = run(monkeypatch, {"path": str(repo)})
    assert result == {"changed": False, "peer_id": "12D3KooWTest", "changed_keys": []}


def test_refuses_identity_keys(monkeypatch, repo):
    result = run(monkeypatch, {"path": str(repo), "settings": {"Identity.PrivKey": "x"}})
    assert result["failed"] and "does not set the identity" in result["msg"]
    assert read(repo) == CONFIG


def test_missing_repository_names_the_fix(monkeypatch, tmp_path):
    result = run(monkeypatch, {"path": str(tmp_path / "none")})
    assert result["failed"] and "ipfs init" in result["msg"]


def test_corrupt_config_is_left_alone(monkeypatch, repo):
    (repo / "config").write_text("{broken")
    result = run(monkeypatch, {"path": str(repo), "settings": {"Bootstrap": []}})
    assert result["failed"] and "not valid JSON" in result["msg"]
    assert (repo / "config").read_text() == "{broken"


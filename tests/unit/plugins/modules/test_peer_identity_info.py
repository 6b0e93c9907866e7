import json

import pytest
from ansible_collections.pinfleet.ipfs.plugins.modules import peer_identity_info

KEY = "CAESQprivate"


@pytest.fixture
def run(run_module):
    return lambda path: run_module(peer_identity_info.main, {"path": str(path)})


@pytest.mark.parametrize("content", [
    {"Identity": {"PeerID": "12D3KooWKubo", "PrivKey": KEY}, "Bootstrap": []},
    {"id": "12D3KooWKubo", "private_key": KEY},
])
def test_reads_the_id_and_never_the_key(run, tmp_path, content):
    path = tmp_path / "file"
    path.write_text(json.dumps(content))
    result = run(path)
    assert result == {"changed": False, "peer_id": "12D3KooWKubo"}
    assert KEY not in json.dumps(result)


@pytest.mark.parametrize(("content", "message"), [
    (None, "does not exist"),
    ("{not json", "not valid JSON"),
    (json.dumps({"id": ""}), "holds no peer ID"),
    (json.dumps([1, 2]), "holds no peer ID"),
])
def test_failures_name_the_fix(run, tmp_path, content, message):
    path = tmp_path / "file"
    if content is not None:
        path.write_text(content)
    result = run(path)
    assert result["failed"] and message in result["msg"]

"""roles/cluster/files/cluster-peerstore.py: the peerstore cleaner each cluster peer runs before it starts."""

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[3] / "roles" / "cluster" / "files" / "cluster-peerstore.py"
spec = importlib.util.spec_from_file_location("cluster_peerstore", SCRIPT)
cleaner = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cleaner)

O2, O3 = "/ip4/10.0.0.2/tcp/9096", "/ip4/10.0.0.3/tcp/9096"


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "service.json").write_text(json.dumps(
        {"cluster": {"peer_addresses": [f"{O2}/p2p/Bnew", f"{O3}/p2p/C"]}}))
    return tmp_path


def test_a_former_identity_goes_with_all_its_lines(folder, capsys):
    """Bold was o2's ID before o2 was rebuilt: its line at o2's address and its other addresses go."""
    store = folder / "peerstore"
    store.write_text(f"{O2}/p2p/Bold\n/ip4/127.0.0.1/tcp/9096/p2p/Bold\n{O2}/p2p/Bnew\n{O3}/p2p/C\n"
                     "/ip4/10.0.9.9/tcp/9096/p2p/Outsider\n")
    assert cleaner.main(str(folder)) == 0
    assert store.read_text() == f"{O2}/p2p/Bnew\n{O3}/p2p/C\n/ip4/10.0.9.9/tcp/9096/p2p/Outsider\n"
    assert capsys.readouterr().out.splitlines() == [f"dropped {O2}/p2p/Bold",
                                                    "dropped /ip4/127.0.0.1/tcp/9096/p2p/Bold"]


def test_a_peer_listed_at_another_peers_address_loses_that_line_only(folder):
    store = folder / "peerstore"
    store.write_text(f"{O2}/p2p/C\n{O3}/p2p/C\n/ip4/127.0.0.1/tcp/9096/p2p/C\n")
    cleaner.main(str(folder))
    assert store.read_text() == f"{O3}/p2p/C\n/ip4/127.0.0.1/tcp/9096/p2p/C\n"


def test_a_sound_peerstore_is_left_as_it_is(folder, capsys):
    store = folder / "peerstore"
    text = f"{O2}/p2p/Bnew\n/ip4/10.0.9.9/tcp/9096/ipfs/Outsider\n{O3}/p2p/C\n"
    store.write_text(text)
    before = store.stat().st_mtime_ns
    cleaner.main(str(folder))
    assert store.read_text() == text and store.stat().st_mtime_ns == before
    assert capsys.readouterr().out == ""


def test_a_peer_without_a_peerstore_or_service_json_starts_as_before(tmp_path):
    assert cleaner.main(str(tmp_path)) == 0
    assert not (tmp_path / "peerstore").exists()

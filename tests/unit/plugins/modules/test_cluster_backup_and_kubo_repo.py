"""cluster_backup and kubo_repo only touch a peer's files while its daemon is down."""

import subprocess
import sys

import pytest
from ansible_collections.pinfleet.ipfs.plugins.modules import cluster_backup, kubo_repo


@pytest.fixture
def locked(tmp_path):
    """A folder whose lock file a running daemon holds."""
    procs = []

    def lock(name):
        script = f"import fcntl,time; h=open({str(tmp_path / name)!r},'a'); fcntl.lockf(h, fcntl.LOCK_EX); " \
                 "print('held', flush=True); time.sleep(30)"
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        procs.append(proc)
        assert proc.stdout.readline().strip() == "held"
        return tmp_path

    yield lock
    for proc in procs:
        proc.kill()
        proc.wait()


def test_cluster_state_refuses_while_the_peer_runs(run_module, locked):
    path = locked("cluster.lock")
    result = run_module(cluster_backup.main, {"path": str(path), "state": "exported", "file": str(path / "x")})
    assert result["failed"] is True
    assert "stop it first" in result["msg"] and "offline" in result["msg"]
    assert not (path / "x").exists()


def test_cluster_state_import_needs_a_dump(run_module, tmp_path):
    result = run_module(cluster_backup.main, {"path": str(tmp_path), "state": "imported", "file": str(tmp_path / "no")})
    assert result["failed"] is True and "give a dump made by state export" in result["msg"]


def test_only_the_newest_backups_are_kept(tmp_path):
    names = [f"cluster-state-2026010{i}T000000.ndjson" for i in range(1, 8)]
    for name in names:
        (tmp_path / name).write_text("{}\n")
    cluster_backup.prune(str(tmp_path), 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == names[-3:]


def test_kubo_repo_refuses_while_the_node_runs(run_module, locked):
    path = locked("repo.lock")
    (path / "version").write_text("16\n")
    result = run_module(kubo_repo.main, {"path": str(path)})
    assert result["failed"] is True and "stop it first" in result["msg"]


def test_kubo_repo_needs_an_initialised_repository(run_module, tmp_path):
    result = run_module(kubo_repo.main, {"path": str(tmp_path)})
    assert result["failed"] is True and "not an initialised kubo repository" in result["msg"]

import socket
import subprocess
import sys
import time

import pytest
from ansible_collections.pinfleet.ipfs.plugins.module_utils.peer_host import linked_version, lock_held, port_open

HOLD = """
import fcntl, sys, time
handle = open(sys.argv[1], "a")
getattr(fcntl, sys.argv[2])(handle, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(30)
"""


@pytest.fixture
def holder(tmp_path):
    """A process holding a lock on a file, the way go-fs-lock does (flock or fcntl)."""
    procs = []

    def hold(kind):
        path = tmp_path / "repo.lock"
        proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path), kind], stdout=subprocess.PIPE, text=True)
        procs.append(proc)
        assert proc.stdout.readline().strip() == "held"
        return path, proc

    yield hold
    for proc in procs:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("kind", ["flock", "lockf"])
def test_a_lock_held_by_another_process_is_seen_and_its_release_too(holder, kind):
    path, proc = holder(kind)
    assert lock_held(str(path)) is True
    proc.kill()
    proc.wait()
    assert lock_held(str(path)) is False


def test_no_lock_file_means_no_lock(tmp_path):
    assert lock_held(str(tmp_path / "absent.lock")) is False


def test_port_open_follows_a_listening_socket():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    assert port_open(port) is True
    server.close()
    time.sleep(0.1)
    assert port_open(port) is False


def test_linked_version_reads_the_release_folder(tmp_path):
    program = tmp_path / "opt" / "kubo" / "v0.43.1" / "ipfs"
    program.parent.mkdir(parents=True)
    program.write_text("")
    link = tmp_path / "ipfs"
    link.symlink_to(program)
    assert linked_version(str(link)) == "v0.43.1"
    assert linked_version(str(tmp_path / "missing")) is None
    (tmp_path / "plain").write_text("")
    assert linked_version(str(tmp_path / "plain")) is None

"""peer_daemon's decisions: what it changes, what it waits for, when it gives up and what it says.

systemd is played by a small state machine answering the module's systemctl
calls the way systemctl does; the ports are real sockets on loopback.
"""

import socket
import threading

import pytest
from ansible.module_utils import basic
from ansible_collections.pinfleet.ipfs.plugins.modules import peer_daemon


class Systemd:
    """A unit: its ActiveState and MainPID, what start/stop/restart do to it, and its journal."""

    def __init__(self, state="inactive", start_fails=0, restart="on-failure", stuck=False):
        self.state, self.start_fails, self.restart, self.nrestarts = state, start_fails, restart, 0
        self.stuck = stuck  # started, it stays activating
        self.calls = []

    def __call__(self, args, check_rc=False, **kwargs):
        self.calls.append(args)
        if args[0] == "journalctl":
            return 0, "panic: the daemon's last words\n", ""
        verb, unit = args[1], args[-1] if args[1] != "show" else args[2]
        if verb == "show":
            props = {"ActiveState": self.state, "MainPID": "4242" if self.state == "active" else "0",
                     "Restart": self.restart, "NRestarts": str(self.nrestarts), "NeedDaemonReload": "no"}
            wanted = [a.split("=", 1)[1] for a in args if a.startswith("--property=")]
            return 0, "".join(f"{name}={props[name]}\n" for name in wanted), ""
        if verb in ("start", "restart"):
            if self.start_fails:
                self.start_fails -= 1
                self.state = "activating"
                if self.restart != "no":
                    # systemd's automatic restart brings it up a moment later.
                    threading.Timer(0.3, self._restarted).start()
                else:
                    self.state = "failed"
                return 1, "", f"Job for {unit} failed"
            self.state = "activating" if self.stuck else "active"
        elif verb == "stop":
            self.state = "inactive"
        return 0, "", ""

    def _restarted(self):
        self.nrestarts += 1
        self.state = "active"


@pytest.fixture
def systemd(monkeypatch):
    def make(**kwargs):
        fake = Systemd(**kwargs)
        monkeypatch.setattr(basic.AnsibleModule, "run_command", fake)
        return fake
    return make


def verbs(fake):
    return [call[1] for call in fake.calls if call[0] == "systemctl" and call[1] != "show"]


def test_check_mode_tells_the_change_and_makes_none(run_module, systemd):
    fake = systemd(state="active")
    assert run_module(peer_daemon.main, {"unit": "ipfs.service", "state": "stopped"}, check_mode=True)["changed"]
    assert not run_module(peer_daemon.main, {"unit": "ipfs.service", "state": "started"}, check_mode=True)["changed"]
    assert verbs(fake) == []


def test_a_running_daemon_is_left_alone_by_started(run_module, systemd):
    fake = systemd(state="active")
    result = run_module(peer_daemon.main, {"unit": "ipfs.service", "state": "started"})
    assert result["changed"] is False and result["was_active"] is True and verbs(fake) == []


def test_a_stop_waits_until_the_port_is_closed(run_module, systemd):
    """Stopped means the process gone and its port closed, not only the unit inactive."""
    systemd(state="active")
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    threading.Timer(1.0, listener.close).start()
    result = run_module(peer_daemon.main, {"unit": "ipfs.service", "state": "stopped", "ports": [port], "timeout": 20})
    assert result["changed"] is True and not result.get("failed"), result
    assert not peer_daemon.port_open(port)


def test_a_stop_that_leaves_the_port_open_fails_naming_it(run_module, systemd):
    systemd(state="active")
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    try:
        result = run_module(peer_daemon.main, {"unit": "ipfs.service", "state": "stopped", "ports": [port],
                                               "timeout": 1})
    finally:
        listener.close()
    assert result["failed"] and f"port {port} still accepts connections" in result["msg"]
    assert "the daemon's last words" in result["msg"]


def test_a_start_that_fails_without_automatic_restarts_fails_at_once_with_the_log(run_module, systemd):
    fake = systemd(start_fails=1, restart="no")
    result = run_module(peer_daemon.main, {"unit": "ipfs-cluster.service", "state": "started"})
    assert result["failed"] and "systemctl could not start ipfs-cluster.service" in result["msg"]
    assert "the daemon's last words" in result["msg"] and verbs(fake) == ["start"]


def test_a_start_that_systemd_mends_by_restarting_counts_as_started(run_module, systemd):
    """ipfs-cluster's raft can crash once on its way up; Restart=on-failure brings it up."""
    systemd(start_fails=1)
    result = run_module(peer_daemon.main, {"unit": "ipfs-cluster.service", "state": "restarted", "timeout": 20})
    assert not result.get("failed") and result["retried"] is True and result["changed"] is True, result


def test_a_start_that_never_comes_up_fails_after_the_timeout(run_module, systemd):
    systemd(stuck=True)
    result = run_module(peer_daemon.main, {"unit": "ipfs.service", "state": "started", "timeout": 1})
    assert result["failed"] and "ipfs.service is not started after" in result["msg"]
    assert "the unit is activating" in result["msg"]

from __future__ import annotations

import contextlib
import http.server
import threading
import time

import pytest
from ansible_collections.pinfleet.ipfs.plugins.modules import peer_state_info


def state(cluster=None, kubo=None):
    return {"kubo": {"peers": 2, "version": "v0.43.1", **(kubo or {})},
            "cluster": {"peers": 3, "version": "v1.1.6", "pin_count": 4, "pin_status": {"pinned": 12},
                        **(cluster or {})}}


def test_pin_statuses_are_counted_over_every_peer():
    pins = [{"peer_map": {"a": {"status": "pinned"}, "b": {"status": "pinning"}}},
            {"peer_map": {"a": {"status": "pinned"}, "b": {"status": "pin_error"}}}]
    assert peer_state_info.summarise_pins(pins) == {"pinned": 2, "pinning": 1, "pin_error": 1}


def test_a_state_that_meets_every_condition_has_no_problem():
    wait = {"cluster_peers": 3, "kubo_peers": 2, "pin_count": 4, "all_pinned": True,
            "kubo_version": "v0.43.1", "cluster_version": "v1.1.6"}
    assert peer_state_info.unmet(state(), wait) == []


@pytest.mark.parametrize(
    ("changes", "wait", "expected"),
    [
        ({"cluster": {"peers": 2}}, {"cluster_peers": 3}, "the cluster peer sees 2 peers, not 3"),
        ({"kubo": {"peers": 0, "error": "connection refused"}}, {"kubo_peers": 2},
         "kubo is connected to 0 nodes, not 2 (connection refused)"),
        ({"cluster": {"pin_count": 3}}, {"pin_count": 4}, "the pinset holds 3 pins, not 4"),
        ({"cluster": {"pin_status": {"pinned": 10, "pin_error": 2}}}, {"all_pinned": True},
         "not every pin is pinned: {'pin_error': 2}"),
        ({"kubo": {"version": "v0.36.0"}}, {"kubo_version": "v0.43.1"}, "kubo runs v0.36.0, not v0.43.1"),
    ],
)
def test_each_unmet_condition_is_named(changes, wait, expected):
    assert peer_state_info.unmet(state(**changes), wait) == [expected]


def test_daemons_that_do_not_answer_are_reported_down_and_a_wait_fails_naming_why(run_module, tmp_path):
    args = {"kubo_api": "http://127.0.0.1:9", "cluster_api": "http://127.0.0.1:9", "kubo_path": str(tmp_path),
            "bin_dir": str(tmp_path), "wait": {"cluster_peers": 3}, "timeout": 1, "delay": 1}
    result = run_module(peer_state_info.main, args)
    assert result["failed"] is True
    assert result["kubo"]["running"] is False and result["cluster"]["running"] is False
    assert result["msg"].startswith("After ") and "the cluster peer sees 0 peers, not 3" in result["msg"]


def test_peers_not_seen_are_named_by_id():
    wait = {"kubo_peer_ids": ["A", "B"], "cluster_peer_ids": ["C"]}
    problems = peer_state_info.unmet(state(kubo={"peer_ids": ["A"]}, cluster={"peer_ids": ["C", "D"]}), wait)
    assert problems == ["kubo is not connected to B"]


def test_a_cluster_peer_without_its_ipfs_daemon_is_named():
    problems = peer_state_info.unmet(state(cluster={"running": True, "ipfs_error": "connection refused"}),
                                     {"cluster_ipfs": True})
    assert problems == ["the cluster peer does not reach its IPFS daemon: connection refused"]


class FakeSystemd:
    """A module whose systemctl and journalctl answer as a host's would."""

    def __init__(self, props):
        self.props, self.params = props, {"kubo_unit": "ipfs.service", "cluster_unit": "ipfs-cluster.service"}

    def run_command(self, args):
        if args[0] == "journalctl":
            return 0, "error loading cluster secret from config: encoding/hex: invalid byte: U+000A\n", ""
        wanted = [a.split("=", 1)[1] for a in args if a.startswith("--property=")]
        return 0, "".join(f"{k}={self.props[k]}\n" for k in wanted if k in self.props), ""


def test_a_unit_that_exited_ends_the_wait_with_its_log():
    module = FakeSystemd({"LoadState": "loaded", "ActiveState": "failed", "NRestarts": "0"})
    reason = peer_state_info.hopeless(module, state(), {"cluster": "ipfs-cluster.service"}, {"cluster": 0})
    assert reason.startswith("ipfs-cluster.service is failed") and "invalid byte: U+000A" in reason


def test_a_unit_restarting_in_a_loop_ends_the_wait():
    module = FakeSystemd({"LoadState": "loaded", "ActiveState": "activating", "NRestarts": "5"})
    assert "restarted 2 times" in peer_state_info.hopeless(module, state(), {"cluster": "ipfs-cluster.service"},
                                                           {"cluster": 3})


def test_a_daemon_on_its_way_up_is_waited_for():
    module = FakeSystemd({"LoadState": "loaded", "ActiveState": "active", "NRestarts": "1"})
    assert peer_state_info.hopeless(module, state(), {"kubo": "ipfs.service"}, {"kubo": 0}) == ""


@contextlib.contextmanager
def rest_api(answers: dict[str, bytes | int]):
    """A cluster REST API on loopback answering each path with a body (200) or a status; its URL."""

    class Api(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            answer = answers[self.path]
            self.send_response(answer if isinstance(answer, int) else 200)
            self.end_headers()
            if not isinstance(answer, int):
                self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def test_refused_credentials_end_the_wait_within_seconds_naming_the_setting(run_module, tmp_path):
    """A REST API that answers 401: the wait fails at its first poll, not after its timeout."""
    with rest_api({"/id": 401}) as url:
        args = {"kubo_api": "http://127.0.0.1:9", "cluster_api": url,
                "cluster_api_user": "admin", "cluster_api_password": "wrong", "cluster_unit": "pinfleet-none.service",
                "kubo_path": str(tmp_path), "bin_dir": str(tmp_path), "pins": False,
                "wait": {"cluster_peers": 3}, "timeout": 120, "delay": 1}
        start = time.monotonic()
        result = run_module(peer_state_info.main, args)
    assert result["failed"] is True
    assert time.monotonic() - start < 10
    assert "HTTP 401" in result["msg"] and "cluster_restapi_basic_auth" in result["msg"]


def test_a_raft_member_listed_but_not_reached_is_named(run_module, tmp_path):
    """raft's /id lists every member, answering or not; GET /peers tells which answer."""
    answers = {"/id": b'{"id": "A", "version": "1.1.6", "cluster_peers": ["A", "B", "C"]}',
               "/peers": b'{"id": "A"}\n{"id": "B"}\n{"id": "C", "error": "context deadline exceeded"}\n'}
    with rest_api(answers) as url:
        args = {"kubo_api": "http://127.0.0.1:9", "cluster_api": url, "cluster_unit": "pinfleet-none.service",
                "kubo_path": str(tmp_path), "bin_dir": str(tmp_path), "pins": False, "timeout": 1, "delay": 1}
        seen = run_module(peer_state_info.main, {**args, "wait": {"cluster_peer_ids": ["B", "C"]}})
        reached = run_module(peer_state_info.main, {**args, "wait": {"cluster_reached_ids": ["B", "C"]}})
    assert not seen.get("failed") and "reached_ids" not in seen["cluster"]
    assert reached["failed"] is True and reached["cluster"]["reached_ids"] == ["A", "B"]
    assert "the cluster peer does not reach C" in reached["msg"]

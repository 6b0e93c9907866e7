import pytest
from ansible_collections.pinfleet.ipfs.plugins.modules import peer_state


def state(cluster=None, kubo=None):
    return {"kubo": {"peers": 2, "version": "v0.43.1", **(kubo or {})},
            "cluster": {"peers": 3, "version": "v1.1.6", "pin_count": 4, "pin_status": {"pinned": 12},
                        **(cluster or {})}}


def test_pin_statuses_are_counted_over_every_peer():
    pins = [{"peer_map": {"a": {"status": "pinned"}, "b": {"status": "pinning"}}},
            {"peer_map": {"a": {"status": "pinned"}, "b": {"status": "pin_error"}}}]
    assert peer_state.summarise_pins(pins) == {"pinned": 2, "pinning": 1, "pin_error": 1}


def test_a_state_that_meets_every_condition_has_no_problem():
    wait = {"cluster_peers": 3, "kubo_peers": 2, "pin_count": 4, "all_pinned": True,
            "kubo_version": "v0.43.1", "cluster_version": "v1.1.6"}
    assert peer_state.unmet(state(), wait) == []


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
    assert peer_state.unmet(state(**changes), wait) == [expected]


def test_daemons_that_do_not_answer_are_reported_down_and_a_wait_fails_naming_why(run_module, tmp_path):
    args = {"kubo_api": "http://127.0.0.1:9", "cluster_api": "http://127.0.0.1:9", "kubo_path": str(tmp_path),
            "bin_dir": str(tmp_path), "wait": {"cluster_peers": 3}, "timeout": 1, "delay": 1}
    result = run_module(peer_state.main, args)
    assert result["failed"] is True
    assert result["kubo"]["running"] is False and result["cluster"]["running"] is False
    assert result["msg"].startswith("After ") and "the cluster peer sees 0 peers, not 3" in result["msg"]

import json
import os

import pytest
from ansible_collections.pinfleet.ipfs.plugins.modules import peer_lock


@pytest.fixture
def lock(tmp_path, run_module):
    path = tmp_path / "pinfleet" / "lock"
    return path, lambda **args: run_module(peer_lock.main, {"path": str(path), **args})


def test_a_free_host_is_held_by_the_run_and_given_back_by_it_only(lock):
    path, run = lock
    assert run(run="job-1", controller="c1", pid=11) == {"changed": False, "holder": {}, "took_over": ""}
    assert json.loads(path.read_text())["run"] == "job-1"
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert run(run="job-2", state="unlocked")["released"] is False
    assert run(run="job-1", state="unlocked")["released"] is True
    assert not path.exists()


def test_another_run_is_refused_naming_the_holder_and_the_same_run_goes_on(lock):
    path, run = lock
    run(run="job-1", controller="c1", pid=11)
    refused = run(run="job-2", controller="c2", pid=22)
    assert refused["failed"] is True and refused["holder"]["run"] == "job-1" and refused["holder"]["controller"] == "c1"
    assert json.loads(path.read_text())["run"] == "job-1"
    # The slices of one job share its run ID.
    assert "failed" not in run(run="job-1", controller="c3", pid=33)


def test_a_run_named_to_take_over_is_taken_over(lock):
    path, run = lock
    run(run="job-1", controller="c1", pid=11)
    taken = run(run="job-2", controller="c2", pid=22, take_over=["job-1"])
    assert "failed" not in taken and taken["took_over"] == "job-1"
    assert json.loads(path.read_text())["run"] == "job-2"


def test_check_mode_takes_nothing(tmp_path, run_module):
    path = tmp_path / "lock"
    assert run_module(peer_lock.main, {"path": str(path), "run": "job-1"}, check_mode=True) == {"changed": False}
    assert not path.exists()

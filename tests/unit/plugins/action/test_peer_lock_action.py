from ansible_collections.pinfleet.ipfs.plugins.action import peer_lock as action


def test_only_a_gone_run_of_this_controller_is_taken_over(monkeypatch):
    monkeypatch.setattr(action, "playbook_runs", lambda pid: pid == 11)
    assert action.gone({"controller": "c1", "pid": 12}, "c1") is True
    assert action.gone({"controller": "c1", "pid": 11}, "c1") is False
    assert action.gone({"controller": "c2", "pid": 12}, "c1") is False
    assert action.gone({"controller": "c1", "pid": 0}, "c1") is False
    message = action.refusal("n1", {"run": "job-1", "controller": "c1"})
    assert message.startswith("n1 is held by another run") and "-e pinfleet_lock_take_over=job-1" in message

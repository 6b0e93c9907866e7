from ansible_collections.pinfleet.ipfs.plugins.modules.raft_peers import growth_problems, removal_plan


def test_peers_left_out_of_the_inventory_are_removed_those_that_do_not_answer_first():
    members = {"a": True, "b": True, "c": True, "d": True, "e": False}
    assert removal_plan(members, ["a", "b", "c"]) == (["e", "d"], [])


def test_nothing_to_remove_when_every_member_stays():
    assert removal_plan({"a": True, "b": False, "c": True}, ["a", "b", "c"]) == ([], [])


def test_a_removal_without_a_majority_answering_is_refused():
    remove, problems = removal_plan({"a": True, "b": False, "c": False}, ["a", "b"])
    assert remove == ["c"]
    assert problems[0] == ("only 1 of the 3 raft members answer, too few for a majority to commit the removal"
                           " (not answering: b, c); bring them back first")


def test_a_removal_that_leaves_the_remaining_peers_without_a_majority_is_refused():
    # 3 of 4 answer, so a leader can commit; but of the two that stay, one is down.
    remove, problems = removal_plan({"a": True, "b": False, "c": True, "d": True}, ["a", "b"])
    assert remove == ["c", "d"]
    assert problems == ["only 1 of the 2 peers that stay answer, too few for a majority to commit the removal"
                        " (not answering: b); bring them back first"]


def test_removing_every_member_is_refused():
    assert removal_plan({"a": True}, [])[1] == ["no raft member would remain: keep at least one peer in the inventory"]


def test_growth_is_allowed_while_the_answering_members_stay_a_majority_of_the_grown_cluster():
    assert growth_problems({"a": True, "b": True, "c": True}, 1) == []
    # 3 of 5 is still a majority should both new peers fail to come up.
    assert growth_problems({"a": True, "b": True, "c": True}, 2) == []
    assert growth_problems({"a": True, "b": True, "c": True, "d": False}, 1) == []
    assert growth_problems({"a": True, "b": False, "c": True}, 0) == []


def test_growth_that_a_failed_new_peer_would_leave_without_a_majority_is_refused():
    assert growth_problems({"a": True, "b": False, "c": True}, 1) == [
        "only 2 of the 3 raft members answer, too few to stay a majority of 4 if the new peers do not come up"
        " (not answering: b); bring them back first"]
    assert growth_problems({"a": True, "b": True, "c": False, "d": False}, 1)
    assert growth_problems({"a": True, "b": True, "c": True}, 3)

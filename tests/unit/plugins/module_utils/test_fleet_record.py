import json

import pytest
from ansible_collections.pinfleet.ipfs.plugins.module_utils import fleet_record

O1 = {"host": "o1", "seen": "2026-12-07T10:00:00Z", "kubo_peer": {"id": "K1"}, "cluster_peer": {"id": "C1"}}


def test_entries_are_written_one_file_per_host_and_read_back(tmp_path):
    assert fleet_record.write(str(tmp_path), [O1]) == ["o1"]
    assert json.loads((tmp_path / "fleet" / "o1.json").read_text()) == O1
    assert oct((tmp_path / "fleet").stat().st_mode & 0o777) == "0o700"
    assert fleet_record.read(str(tmp_path), ["o1", "o2"]) == {"o1": O1}
    # Nothing half-written is left beside it.
    assert sorted(p.name for p in (tmp_path / "fleet").iterdir()) == ["o1.json"]


def test_a_new_entry_keeps_the_facts_it_does_not_carry(tmp_path):
    fleet_record.write(str(tmp_path), [O1])
    fleet_record.write(str(tmp_path), [{"host": "o1", "seen": "2026-12-07T11:00:00Z", "kubo_peer": {"id": "K1b"}}])
    assert fleet_record.read(str(tmp_path), ["o1"])["o1"] == {
        "host": "o1", "seen": "2026-12-07T11:00:00Z", "kubo_peer": {"id": "K1b"}, "cluster_peer": {"id": "C1"}}


def test_a_partial_write_leaves_the_other_hosts_as_they_were(tmp_path):
    fleet_record.write(str(tmp_path), [O1, {**O1, "host": "o2"}])
    fleet_record.write(str(tmp_path), [{**O1, "host": "o2", "seen": "2026-12-08T00:00:00Z"}])
    assert set(fleet_record.read(str(tmp_path), ["o1", "o2"])) == {"o1", "o2"}


def test_forget_takes_hosts_out(tmp_path):
    fleet_record.write(str(tmp_path), [O1])
    assert fleet_record.forget(str(tmp_path), ["o1", "o9"]) == ["o1"]
    assert fleet_record.read(str(tmp_path), ["o1"]) == {}


def test_a_damaged_or_foreign_file_is_no_entry(tmp_path):
    (tmp_path / "fleet").mkdir()
    (tmp_path / "fleet" / "o1.json").write_text("{not json")
    (tmp_path / "fleet" / "o2.json").write_text(json.dumps({**O1, "host": "o3"}))
    assert fleet_record.read(str(tmp_path), ["o1", "o2"]) == {}


def test_a_name_that_cannot_be_a_file_is_refused(tmp_path):
    with pytest.raises(ValueError, match="rename the host"):
        fleet_record.write(str(tmp_path), [{**O1, "host": "../etc/passwd"}])


def test_the_entry_seen_last_wins():
    older, newer = {**O1, "seen": "2026-12-01T00:00:00Z"}, {**O1, "seen": "2026-12-09T00:00:00Z"}
    assert fleet_record.newest({"o1": older}, {"o1": newer}) == {"o1": newer}
    assert fleet_record.newest({"o1": newer}, {"o1": older}) == {"o1": newer}

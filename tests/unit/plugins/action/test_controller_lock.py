import os
import subprocess
import sys

from ansible_collections.pinfleet.ipfs.plugins.action import controller_lock


def test_a_free_folder_is_locked_by_the_run_and_released_by_it_only(tmp_path):
    folder = str(tmp_path / "upgrades")
    assert controller_lock.take(folder, 101, alive=lambda pid: True) == ("", "")
    assert (tmp_path / "upgrades" / "lock").read_text().split()[0] == "101"
    assert (tmp_path / "upgrades" / ".gitignore").read_text().endswith("*\n")
    assert oct((tmp_path / "upgrades").stat().st_mode & 0o777) == "0o700"
    assert controller_lock.release(folder, 202) is False
    assert (tmp_path / "upgrades" / "lock").exists()
    assert controller_lock.release(folder, 101) is True
    assert not (tmp_path / "upgrades" / "lock").exists()
    assert controller_lock.release(folder, 101) is False


def test_a_running_holder_refuses_the_second_run_and_keeps_its_lock(tmp_path):
    folder = str(tmp_path)
    controller_lock.take(folder, 101, alive=lambda pid: True)
    refusal, note = controller_lock.take(folder, 202, alive=lambda pid: pid == 101)
    assert refusal.startswith("another run of site.yml or upgrade.yml (process 101, started ")
    assert refusal.endswith("wait for it to end. Nothing was changed.") and note == ""
    assert (tmp_path / "lock").read_text().split()[0] == "101"


def test_a_dead_holder_is_taken_over_and_named(tmp_path):
    folder = str(tmp_path)
    controller_lock.take(folder, 101, alive=lambda pid: True)
    refusal, note = controller_lock.take(folder, 202, alive=lambda pid: False)
    assert refusal == "" and note.startswith("took over the lock of run 101 (started ")
    assert (tmp_path / "lock").read_text().split()[0] == "202"
    # The same run taking it again (site.yml's plays, remove.yml then site.yml) notes nothing.
    assert controller_lock.take(folder, 202, alive=lambda pid: False) == ("", "")


def test_only_a_living_ansible_playbook_holds_a_lock():
    assert controller_lock.playbook_runs(os.getpid()) is False  # alive, but pytest
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    assert controller_lock.playbook_runs(int(gone.stdout)) is False


def test_the_processes_of_one_run_hold_the_lock_together_and_others_wait(tmp_path):
    folder = str(tmp_path)
    assert controller_lock.take(folder, 101, alive=lambda pid: True, run="job-7") == ("", "")
    assert controller_lock.take(folder, 102, alive=lambda pid: True, run="job-7") == ("", "")
    refusal, _ = controller_lock.take(folder, 303, alive=lambda pid: True, run="job-8")
    assert refusal.startswith("another run of site.yml or upgrade.yml (process 101, run job-7, started ")
    refusal, _ = controller_lock.take(folder, 404, alive=lambda pid: True)
    assert refusal.startswith("another run of site.yml or upgrade.yml (process 101, run job-7, started ")
    assert controller_lock.release(folder, 101) is True
    assert [line.split()[0] for line in (tmp_path / "lock").read_text().splitlines()] == ["102"]
    assert controller_lock.release(folder, 102) is True
    assert not (tmp_path / "lock").exists()


def test_a_run_alone_is_not_joined_by_a_shared_one(tmp_path):
    folder = str(tmp_path)
    controller_lock.take(folder, 101, alive=lambda pid: True)
    refusal, _ = controller_lock.take(folder, 102, alive=lambda pid: True, run="job-7")
    assert refusal.startswith("another run of site.yml or upgrade.yml (process 101, started ")

"""playbooks/upgrade.yml on real peers: refusals, a rollback, stop_all, an interrupted rolling run, no-op reruns.

The tests run in file order, each starting from where the previous one left the network.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from pinfleet_hosts import (
    INVENTORY,
    ROOT,
    Prober,
    add_files,
    address,
    beside_a_run,
    changes,
    cluster_ctl,
    cluster_id,
    failures,
    fingerprint,
    ipfs,
    playbook,
    reachable,
    starts,
    wait_for,
)

KUBO_OLD, KUBO_NEW = os.environ["PINFLEET_KUBO_OLD_VERSION"], os.environ["PINFLEET_KUBO_VERSION"]
CLUSTER_OLD, CLUSTER_NEW = os.environ["PINFLEET_CLUSTER_OLD_VERSION"], os.environ["PINFLEET_CLUSTER_VERSION"]
UPGRADES = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "upgrades"
PINS = 12


# The scenario's inventory pins the old pebble format, to make the store an old peer made; an operator's
# inventory pins none, and the upgrade renders service.json from it, as site.yml does.
UNPINNED = ("-e", '{"cluster_service_extra": {}}')


def upgrade(kubo: str, cluster: str, *args: str) -> subprocess.CompletedProcess:
    return playbook("playbooks/upgrade.yml", "-e", f"kubo_version={kubo} cluster_version={cluster}", *UNPINNED, *args)


def versions(node) -> tuple[str, str, str]:
    """(kubo, ipfs-cluster, repository version) as installed on the node."""
    kubo = "v" + node.check_output("ipfs version --number")
    cluster = "v" + node.check_output("ipfs-cluster-service --version").split()[-1].split("+")[0]
    return kubo, cluster, node.check_output("cat /var/lib/ipfs/version")


def pebble_format(node) -> int:
    """The format of the peer's pebble store, from pebble's marker file, e.g. marker.format-version.000002.016."""
    markers = node.check_output("ls /var/lib/ipfs-cluster/pebble | grep '^marker.format-version.'").split()
    assert len(markers) == 1, markers
    return int(markers[0].rsplit(".", 1)[-1])


def pin_statuses(node) -> list[str]:
    out = cluster_ctl(node, "--enc=json", "status").stdout
    infos = [json.loads(chunk) for chunk in re.split(r"(?<=\})\s*(?=\{)", out.strip()) if chunk.strip()]
    return [peer["status"] for info in infos for peer in info["peer_map"].values()]


def assert_every_pin_kept(nodes):
    for name, node in nodes.items():
        wait_for(f"{PINS} pins pinned on all three, as {name} sees them",
                 lambda node=node: pin_statuses(node) == ["pinned"] * 3 * PINS, timeout=180)


def changed_hosts(out: str) -> list[str]:
    return re.findall(r"^changed: \[[^\]>]*\].*$", out, re.M)


@pytest.fixture(scope="module", autouse=True)
def fresh_upgrade_folder():
    """Molecule keeps the scenario's folder between runs: no lock or record of an earlier run may carry over."""
    shutil.rmtree(UPGRADES, ignore_errors=True)


@pytest.fixture(scope="module")
def content(nodes):
    """PINS files added through the cluster on the first peer: their CIDs."""
    cids = add_files(nodes["u1"], PINS)
    assert_every_pin_kept(nodes)
    return cids


def test_deployed_at_the_old_versions(nodes, content):
    for node in nodes.values():
        assert versions(node) == (KUBO_OLD, CLUSTER_OLD, "16")
        assert pebble_format(node) == 12


def controller_files() -> list[str]:
    return sorted(str(f.relative_to(UPGRADES)) for f in UPGRADES.rglob("*")) if UPGRADES.exists() else []


def test_a_target_the_mirror_lacks_is_refused_leaving_nothing(nodes, content):
    """Refused in the input checks: no host changes, and nothing is written on the controller, no lock either."""
    before, files = [fingerprint(node) for node in nodes.values()], controller_files()
    result = upgrade("v0.99.9", CLUSTER_NEW)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "v0.99.9" in out and "HTTP Error 404" in out and "/v0.99.9/" in out, failures(out)
    assert not changed_hosts(out), changed_hosts(out)
    assert [fingerprint(node) for node in nodes.values()] == before
    assert controller_files() == files


def test_check_mode_tells_what_the_upgrade_would_do_and_does_nothing(nodes, content):
    """upgrade.yml --check names the peers and targets, takes no lock and changes no host."""
    before, files = [fingerprint(node) for node in nodes.values()], controller_files()
    result = upgrade(KUBO_NEW, CLUSTER_NEW, "--check")
    out = result.stdout + result.stderr
    assert result.returncode == 0, failures(out)
    assert re.search(rf"Check mode: would upgrade u1, u2, u3 to kubo {KUBO_NEW} and ipfs-cluster {CLUSTER_NEW}", out), \
        failures(out)
    assert not changed_hosts(out), changed_hosts(out)
    assert [fingerprint(node) for node in nodes.values()] == before
    assert controller_files() == files


def test_an_unhealthy_cluster_is_refused_before_any_change(nodes, content):
    nodes["u3"].check_output("systemctl stop ipfs-cluster")
    try:
        before = [fingerprint(node) for node in nodes.values()]
        result = upgrade(KUBO_NEW, CLUSTER_NEW)
        out = result.stdout + result.stderr
        assert result.returncode != 0
        assert "is not ready for an upgrade" in out and "Nothing was changed" in out, failures(out)
        assert not changed_hosts(out), changed_hosts(out)
        assert [fingerprint(node) for node in nodes.values()] == before
        assert not (UPGRADES / "lock").exists() and not (UPGRADES / "lock.guard").exists()
    finally:
        nodes["u3"].check_output("systemctl start ipfs-cluster")
    wait_for("u3 back in the cluster", lambda: len(cluster_id(nodes["u3"])["cluster_peers"]) == 3)


def test_a_target_that_fails_to_start_is_rolled_back(nodes, content):
    """kubo 0.38+ refuses to start with Reprovider keys, which a stale config management re-applies."""
    extra = json.dumps({"kubo_config_extra": {"Reprovider.Strategy": "all"}, "upgrade_strategy": "stop_all"})
    result = upgrade(KUBO_NEW, CLUSTER_OLD, "-e", extra)
    out = result.stdout + result.stderr
    assert result.returncode != 0, failures(out)
    assert "rolled back" in out, failures(out)
    for node in nodes.values():
        assert versions(node) == (KUBO_OLD, CLUSTER_OLD, "16")
        config = json.loads(node.check_output("cat /var/lib/ipfs/config"))
        assert "Reprovider" not in config or "Strategy" not in (config["Reprovider"] or {})
    assert_every_pin_kept(nodes)
    assert not (UPGRADES / "current.json").exists()


def test_stop_all_upgrade_to_the_newest_versions(nodes, outsider, content):
    """Across kubo's repository migration (16 to 17 turns AutoConf on) and ipfs-cluster's switch to pebble v2."""
    result = upgrade(KUBO_NEW, CLUSTER_NEW, "-e", "upgrade_strategy=stop_all")
    out = result.stdout + result.stderr
    assert result.returncode == 0, failures(out)
    kubo_ids = {name: json.loads(ipfs(node, "id").stdout)["ID"] for name, node in nodes.items()}
    for name, node in nodes.items():
        kubo, cluster, repo = versions(node)
        assert (kubo, cluster) == (KUBO_NEW, CLUSTER_NEW)
        assert int(repo) > 16
        config = json.loads(node.check_output("cat /var/lib/ipfs/config"))
        assert config["AutoConf"]["Enabled"] is False
        assert "auto" not in json.dumps(config["Bootstrap"]) and len(config["Bootstrap"]) == 2
        others = {peer for other, peer in kubo_ids.items() if other != name}
        assert {addr.rsplit("/", 1)[-1] for addr in config["Bootstrap"]} == others
        # The store was raised by the old version before pebble v2 opened it.
        assert pebble_format(node) == 16
        service = json.loads(node.check_output("cat /var/lib/ipfs-cluster/service.json"))
        assert service["datastore"]["pebble"]["pebble_options"]["format_major_version"] == 16
    assert_every_pin_kept(nodes)
    # Still private: the outsider's node reaches none of them.
    targets = [(address(node), port) for node in nodes.values() for port in (4001, 9096)]
    assert reachable(outsider, targets) == []
    summary = json.loads(sorted(UPGRADES.glob("*/summary.json"))[-1].read_text())
    assert summary["outcome"] == "upgraded" and summary["strategy"] == "stop_all"
    assert {h["host"]: h["outcome"] for h in summary["hosts"]} == dict.fromkeys(nodes, "upgraded")
    assert all(h["down_seconds"] > 0 for h in summary["hosts"])


def site_after_upgrade(nodes, *args: str) -> str:
    """site.yml at the new versions, right after an upgrade: it finds every host as it would leave it."""
    result = playbook("playbooks/site.yml", "-e", f"kubo_version={KUBO_NEW} cluster_version={CLUSTER_NEW}", *UNPINNED,
                      *args)
    out = result.stdout + result.stderr
    assert result.returncode == 0, failures(out)
    for name in nodes:
        assert re.search(rf"^{name}\s*: ok=\d+\s+changed=0 ", out, re.M), changes(out)
    return out


def test_after_a_stop_all_upgrade_site_check_mode_finds_nothing_to_change(nodes, content):
    out = site_after_upgrade(nodes, "--check")
    assert "would change: nothing" in out, out[-2000:]


@pytest.fixture
def prober(nodes, content):
    """A prober for each of the two rolling tests below: the first powers u2 off, which its prober may not
    outlive (it asks over SSH), so the second gets one of its own."""
    prober = Prober(nodes, content[0])
    prober.start()
    yield prober
    prober.stop.set()
    prober.join(timeout=120)


def cluster_unit(node) -> str:
    """The cluster peer's unit state, '' when the host does not answer (powered off, SSH fails in its own way)."""
    try:
        return node.run("systemctl is-active ipfs-cluster").stdout.strip()
    except Exception:  # a host powered off fails in whatever way SSH fails
        return ""


def test_rolling_downgrade_of_kubo_cut_off_then_completed(nodes, content, prober):
    """Back to the older kubo (its repository migrated down by the newer program), one peer at a time, cut off
    twice: the controller killed once u1 is switched, then the resuming run losing u2 (powered off) as it stops
    it. A run while u2 is down upgrades u3 and leaves u2 out; once u2 is back, the next run completes the
    upgrade, and its summary counts the whole outage."""
    env = dict(os.environ, ANSIBLE_NOCOLOR="1")
    cmd = ["ansible-playbook", "-i", INVENTORY, str(ROOT / "playbooks/upgrade.yml"),
           "-e", f"kubo_version={KUBO_OLD} cluster_version={CLUSTER_NEW}", *UNPINNED]
    first = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             start_new_session=True)
    try:
        wait_for("u1 switched by the first run", lambda: versions(nodes["u1"])[0] == KUBO_OLD, timeout=600)
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    assert (UPGRADES / "current.json").exists(), "the cut-off run left no record"

    second = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for("u2 stopped by the resuming run", lambda: cluster_unit(nodes["u2"]) in ("deactivating", "inactive"),
                 timeout=600, interval=0.5)
        subprocess.run(["podman", "stop", "--time", "0", "u2"], check=True, capture_output=True)
        powered_off = time.time()
    finally:
        out = second.communicate(timeout=900)[0]
        (UPGRADES.parent / "lost-u2.log").write_text(out)
    assert second.returncode != 0
    assert "u2 stopped answering during the upgrade" in out and "it resumes run" in out, (
        out.split("TASKS RECAP", maxsplit=1)[0][-6000:])
    # It had taken over the killed run's lock, and its summary says so.
    lost = json.loads(sorted(UPGRADES.glob("*/summary.json"))[-1].read_text())
    assert lost["lock"].startswith("took over the lock of run "), lost["lock"]
    assert {r["host"]: r["outcome"] for r in lost["hosts"]} == {
        "u1": "upgraded", "u2": "lost", "u3": "not started: halted"}, lost["hosts"]
    assert (UPGRADES / "current.json").exists(), "the run that lost u2 closed the record"

    # u2 still down: the next run goes on with the peers it reaches, names u2 with when it was last seen,
    # exits as Ansible does for an unreachable host, and keeps the record open for u2.
    without_u2 = upgrade(KUBO_OLD, CLUSTER_NEW)
    out = without_u2.stdout + without_u2.stderr
    assert without_u2.returncode == 4, failures(out)
    assert "u2: not in this run (unreachable, or left out by --limit), last seen 20" in out, failures(out)
    assert versions(nodes["u3"])[0] == KUBO_OLD
    partial = json.loads(sorted(UPGRADES.glob("*/summary.json"))[-1].read_text())
    assert {r["host"]: r["outcome"] for r in partial["hosts"]} == {"u1": "upgraded", "u3": "upgraded"}, partial
    assert list(partial["left_out"]) == ["u2"] and partial["left_out"]["u2"].startswith("20"), partial
    assert (UPGRADES / "current.json").exists(), "the run without u2 closed the record"

    subprocess.run(["podman", "start", "u2"], check=True, capture_output=True)
    wait_for("u2 back, its cluster peer running", lambda: cluster_unit(nodes["u2"]) == "active", timeout=180)
    resumed_at = time.time()
    result = upgrade(KUBO_OLD, CLUSTER_NEW)
    out = result.stdout + result.stderr
    assert result.returncode == 0, failures(out)
    for node in nodes.values():
        assert versions(node) == (KUBO_OLD, CLUSTER_NEW, "16")
    assert_every_pin_kept(nodes)
    summary = json.loads(sorted(UPGRADES.glob("*/summary.json"))[-1].read_text())
    assert summary["strategy"] == "rolling" and summary["outcome"] == "upgraded" and summary["lock"] == ""
    reports = {r["host"]: r for r in summary["hosts"]}
    assert {host: r["outcome"] for host, r in reports.items()} == dict.fromkeys(nodes, "upgraded"), reports
    # u1's outage, in the first run, and u2's, from its stop in the second run to its start in this one.
    assert reports["u1"]["down_seconds"] > 0, reports
    assert reports["u2"]["down_seconds"] > resumed_at - powered_off, reports


def test_rolling_upgrade_keeps_the_cluster_serving(nodes, content, prober):
    result = upgrade(KUBO_NEW, CLUSTER_NEW)
    out = result.stdout + result.stderr
    assert result.returncode == 0, failures(out)
    for node in nodes.values():
        assert versions(node)[:2] == (KUBO_NEW, CLUSTER_NEW)
    assert_every_pin_kept(nodes)
    time.sleep(3)
    rounds = list(prober.rounds)
    api_up = [sum(a[0] for a in r.values()) for r in rounds]
    readable = [sum(a[1] for a in r.values()) for r in rounds]
    assert len(rounds) > 10 and max(api_up) == 3 and max(readable) == 3, "the prober never saw all three answer"
    assert min(api_up) >= 2, f"the REST API answered from fewer than 2 peers: {api_up}"
    assert min(readable) >= 2, f"the pinned content was readable on fewer than 2 peers: {readable}"


def test_after_a_rolling_upgrade_the_first_site_run_changes_and_restarts_nothing(nodes, content):
    before = {name: starts(node) for name, node in nodes.items()}
    site_after_upgrade(nodes)
    assert {name: starts(node) for name, node in nodes.items()} == before


def readme_recipe(name: str) -> str:
    """The shell script of the README's recipe of that name."""
    after = (ROOT / "README.md").read_text().split(f"<!-- recipe: {name}", 1)[1]
    return after.split("```sh\n", 1)[1].split("```", 1)[0]


def test_a_run_at_the_targets_changes_nothing(nodes, content, tmp_path):
    """Through the README's scheduling recipe, in cron's bare environment: silent, its log kept. A run that fails
    prints its failed tasks and fails."""
    script, vault = tmp_path / "pinfleet-run", tmp_path / "vault-password"
    script.write_text(readme_recipe("pinfleet-run"))
    script.chmod(0o755)
    vault.write_text("unused: the scenario's inventory holds no vault\n")
    env = {"HOME": os.environ["HOME"], "PATH": "/usr/bin:/bin", "VENV": os.environ["PINFLEET_VENV"],
           "INVENTORY": INVENTORY, "VAULT_PASSWORD_FILE": str(vault), "LOGS": str(tmp_path / "logs"),
           # What the test bed keeps in the environment and an operator in ~/.ansible and the inventory.
           **{k: os.environ[k] for k in ("ANSIBLE_CONFIG", "ANSIBLE_COLLECTIONS_PATH", "MOLECULE_EPHEMERAL_DIRECTORY")}}
    result = subprocess.run([str(script), "upgrade", "-e", f"kubo_version={KUBO_NEW} cluster_version={CLUSTER_NEW}",
                             *UNPINNED], env=env, capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", ""), result
    (log,) = (tmp_path / "logs").glob("upgrade-*.log")
    out = log.read_text()
    assert "already" in out
    assert not changed_hosts(out), changed_hosts(out)
    assert re.search(r"^u1\s*: ok=\d+\s+changed=0", out, re.M), failures(out)

    failed = subprocess.run([str(script), "upgrade", "-e", f"kubo_version=v0.0.1 cluster_version={CLUSTER_NEW}",
                             *UNPINNED], env=env, capture_output=True, text=True, check=False)
    assert failed.returncode != 0
    assert failed.stdout.startswith(f"pinfleet upgrade failed (exit {failed.returncode}); its log: {tmp_path}/logs/")
    assert "kubo v0.0.1 could not be fetched and verified" in failed.stdout, failed.stdout


def test_the_lock_stops_a_concurrent_run(nodes, content):
    cmd = ["ansible-playbook", "-i", INVENTORY, str(ROOT / "playbooks/upgrade.yml"),
           "-e", f"kubo_version={KUBO_NEW} cluster_version={CLUSTER_NEW}", *UNPINNED]
    second, first_rc, first_out = beside_a_run(cmd, UPGRADES / "lock", lambda: upgrade(KUBO_NEW, CLUSTER_NEW))
    out = second.stdout + second.stderr
    assert second.returncode != 0
    assert "another run of site.yml or upgrade.yml" in out and "Nothing was changed" in out, failures(out)
    assert first_rc == 0, failures(first_out)
    assert not (UPGRADES / "lock").exists()

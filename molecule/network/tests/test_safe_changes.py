"""Changes an operator gets wrong: they stop at the first peer, or are cleaned or refused, and say what to fix.

The tests run in file order, after the others of the scenario, each starting from where the previous one left
the network; the last ones leave it whole again.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from pinfleet_hosts import (
    CLUSTER_PATH,
    INVENTORY,
    ROOT,
    add_files,
    beside_a_run,
    cluster_ctl,
    failures,
    playbook,
    state_folder,
    wait_for,
)

SECRET = (Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", ".")) / "storage.secret").read_text().split()[0]
# What `openssl rand -hex 32 | ansible-vault encrypt_string --stdin-name cluster_secret` gives.
SECRET_WITH_NEWLINE = SECRET.upper() + "\n"
EXPOSED = {"cluster_restapi_address": "/ip4/0.0.0.0/tcp/9094", "cluster_restapi_self_signed": True,
           "cluster_restapi_basic_auth": {"admin": "first-password"}}
STARTED = {}


def pids(nodes, unit: str) -> dict[str, str]:
    return {name: node.check_output(f"systemctl show -p MainPID --value {unit}") for name, node in nodes.items()}


def site(tmp_path, **extra):
    """site.yml with extra vars given as a JSON file, as an operator's vars file passes them."""
    (tmp_path / "vars.json").write_text(json.dumps(extra))
    return playbook("playbooks/site.yml", "-e", f"@{tmp_path / 'vars.json'}")


def service(node) -> dict:
    return json.loads(node.check_output(f"cat {CLUSTER_PATH}/service.json"))


def pinned_on(node, cid, *access: str) -> int:
    """On how many peers the pin is pinned, as node's cluster peer sees it (access: ipfs-cluster-ctl's options)."""
    return cluster_ctl(node, *access, "status", cid, check=False).stdout.count("PINNED")


@pytest.fixture(scope="module")
def cid(nodes):
    cid = add_files(nodes["n1"], 1)[0]
    wait_for("the new pin pinned on all three", lambda: pinned_on(nodes["n1"], cid) == 3, timeout=120)
    return cid


def assert_stopped_at_one_peer(nodes, cid, result, unit, *, log: str, why: str):
    """log: the daemon's reason, as its log says it; why: the changed keys the run restarted it for."""
    # The run failed naming the one peer it restarted, with the daemon's reason; the others were not restarted.
    out = result.stdout + result.stderr
    assert result.returncode != 0
    down = [name for name, node in nodes.items() if node.run(f"systemctl is-active {unit}").stdout.strip() != "active"]
    assert len(down) == 1, (down, failures(out))
    assert f" on {down[0]} did not come back with its new settings, so the rolling restart stopped there" in out, \
        failures(out)
    assert log in out and f"It was restarted for {why}" in out and "and run the play again" in out, failures(out)
    serving = [name for name in nodes if name != down[0]]
    assert {n: p for n, p in pids(nodes, unit).items() if n in serving} == {n: STARTED[unit][n] for n in serving}
    for name in serving:
        assert pinned_on(nodes[name], cid) >= 2, name
    return down[0]


def test_a_kubo_setting_a_node_cannot_start_with_stops_at_that_node(tmp_path, nodes, cid):
    STARTED.update({unit: pids(nodes, unit) for unit in ("ipfs", "ipfs-cluster")})
    result = site(tmp_path, kubo_config_extra={"Addresses.Swarm": ["/ip4/0.0.0.0/tcp/notaport"]})
    assert_stopped_at_one_peer(nodes, cid, result, "ipfs", log="notaport", why="kubo's config changed: Addresses.Swarm")


def test_a_cluster_setting_a_peer_cannot_start_with_stops_at_that_peer(tmp_path, nodes, cid):
    """kubo's setting fixed, a cluster one broken: kubo comes back where it was down, the cluster stops at one peer."""
    result = site(tmp_path, cluster_service_extra={"cluster": {"secret": "zz" * 32}})
    for name, node in nodes.items():
        assert node.run("systemctl is-active ipfs").stdout.strip() == "active", name
    assert_stopped_at_one_peer(nodes, cid, result, "ipfs-cluster", log="encoding/hex",
                               why="service.json changed: cluster.secret")


def test_an_exposed_rest_api_and_a_secret_with_a_trailing_newline(tmp_path, nodes, cid):
    """The fixed inventory brings the peer back; the secret is written clean; a wrong password fails at once."""
    result = site(tmp_path, cluster_secret=SECRET_WITH_NEWLINE, **EXPOSED)
    assert result.returncode == 0, failures(result.stdout + result.stderr)
    for name, node in nodes.items():
        config = service(node)
        assert config["cluster"]["secret"] == SECRET, name
        assert config["api"]["restapi"]["basic_auth_credentials"] == {"admin": "first-password"}, name
        assert config["api"]["restapi"]["ssl_cert_file"], name
    https = ("--https", "--no-check-certificate", "--basic-auth", "admin:first-password")
    wait_for("the pin pinned on all three again", lambda: pinned_on(nodes["n1"], cid, *https) == 3, timeout=180)

    args = json.dumps({"cluster_api": "https://127.0.0.1:9094", "cluster_api_user": "admin",
                       "cluster_api_password": "wrong", "validate_certs": False, "pins": False,
                       "wait": {"cluster_peers": 3}, "timeout": 300})
    start = time.monotonic()
    wrong = subprocess.run(["ansible", "-i", INVENTORY, "n1", "-b", "-m", "pinfleet.ipfs.peer_state_info", "-a", args],
                           capture_output=True, text=True, check=False)
    assert wrong.returncode != 0
    assert time.monotonic() - start < 60, "the wait ran on"
    assert "HTTP 401" in wrong.stdout and "cluster_restapi_basic_auth" in wrong.stdout, wrong.stdout[-2000:]


def test_a_rest_api_exposure_removed_from_the_inventory_is_gone(tmp_path, nodes, cid):
    """Basic auth and TLS dropped from the inventory: service.json loses them, and the run succeeds."""
    result = site(tmp_path)
    assert result.returncode == 0, failures(result.stdout + result.stderr)
    for name, node in nodes.items():
        restapi = service(node)["api"]["restapi"]
        assert not restapi.get("basic_auth_credentials") and not restapi.get("ssl_cert_file"), (name, restapi)
        assert restapi["http_listen_multiaddress"] == "/ip4/127.0.0.1/tcp/9094"
    # ipfs-cluster-ctl's defaults: plain HTTP on loopback, no credentials.
    wait_for("the pin pinned on all three", lambda: pinned_on(nodes["n1"], cid) == 3, timeout=180)


HOST_LOCK = "/run/pinfleet/lock"


def test_a_second_site_run_is_refused_while_one_runs(tmp_path, nodes):
    """site.yml takes the lock upgrade.yml takes: a run started beside another changes nothing and says why, and so
    does one from another state folder (as from another controller), which the hosts' own locks refuse.
    The first run, given the same secret with a trailing newline, changes nothing either."""
    lock = state_folder() / "upgrades" / "lock"
    (tmp_path / "vars.json").write_text(json.dumps({"cluster_secret": SECRET_WITH_NEWLINE}))
    cmd = ["ansible-playbook", "-i", INVENTORY, str(ROOT / "playbooks/site.yml"), "-e", f"@{tmp_path / 'vars.json'}"]
    before = pids(nodes, "ipfs-cluster")
    second, first_rc, first_out = beside_a_run(
        cmd, lambda: lock.exists() and all(node.file(HOST_LOCK).exists for node in nodes.values()),
        lambda: (playbook("playbooks/site.yml"),
                 playbook("playbooks/site.yml", "-e", f"pinfleet_state_dir={tmp_path / 'elsewhere'}")))
    out = second[0].stdout + second[0].stderr
    assert second[0].returncode != 0
    assert "another run of site.yml or upgrade.yml" in out and "Nothing was changed" in out, failures(out)
    out = " ".join((second[1].stdout + second[1].stderr).split())
    assert second[1].returncode != 0
    assert "is held by another run of site.yml, remove.yml or upgrade.yml (run " in out, failures(out)
    assert "Nothing was changed" in out and not (tmp_path / "elsewhere" / "upgrades" / "lock").exists()
    assert first_rc == 0, failures(first_out)
    assert pids(nodes, "ipfs-cluster") == before
    assert not lock.exists(), "the run that ended left its lock"
    assert [name for name, node in nodes.items() if node.file(HOST_LOCK).exists] == [], "a host is still held"

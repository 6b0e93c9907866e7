"""Changes an operator gets wrong: they stop at the first peer, or are cleaned or refused, and say what to fix.

The tests run in file order, after the others of the scenario; each leaves the network whole again.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from pinfleet_hosts import CLUSTER_PATH, INVENTORY, add_files, cluster_ctl, failures, playbook, wait_for

SECRET_FILE = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", ".")) / "storage.secret"


def pids(nodes, unit: str) -> dict[str, str]:
    return {name: node.check_output(f"systemctl show -p MainPID --value {unit}") for name, node in nodes.items()}


def site(tmp_path, **extra):
    """site.yml with extra vars given as a JSON file, as an operator's vars file passes them."""
    args = []
    if extra:
        (tmp_path / "vars.json").write_text(json.dumps(extra))
        args = ["-e", f"@{tmp_path / 'vars.json'}"]
    return playbook("playbooks/site.yml", *args)


def service(node) -> dict:
    return json.loads(node.check_output(f"cat {CLUSTER_PATH}/service.json"))


@pytest.fixture(scope="module")
def cid(nodes):
    cid = add_files(nodes["n1"], 1)[0]
    wait_for("the new pin pinned on all three", lambda: cluster_ctl(nodes["n1"], "status", cid).stdout.count("PINNED")
             == 3, timeout=120)
    return cid


def test_a_secret_with_a_trailing_newline_is_written_clean(tmp_path, nodes):
    """What `openssl rand -hex 32 | ansible-vault encrypt_string` gives: the checks and service.json agree on it."""
    secret = SECRET_FILE.read_text().split()[0]
    before = pids(nodes, "ipfs-cluster")
    result = site(tmp_path, cluster_secret=secret.upper() + "\n")
    assert result.returncode == 0, failures(result.stdout + result.stderr)
    for name, node in nodes.items():
        assert service(node)["cluster"]["secret"] == secret, name
    assert pids(nodes, "ipfs-cluster") == before


BROKEN = {
    "ipfs-cluster": ({"cluster_service_extra": {"cluster": {"secret": "zz" * 32}}}, "encoding/hex"),
    "ipfs": ({"kubo_config_extra": {"Addresses.Swarm": ["/ip4/0.0.0.0/tcp/notaport"]}}, "notaport"),
}


@pytest.mark.parametrize("unit", BROKEN)
def test_a_setting_a_peer_cannot_start_with_stops_at_that_peer(tmp_path, nodes, cid, unit):
    """The rolling restart ends at the first peer that does not come back; the others keep serving every pin."""
    extra, log = BROKEN[unit]
    before = pids(nodes, unit)
    result = site(tmp_path, **extra)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    down = [name for name, node in nodes.items() if node.run(f"systemctl is-active {unit}").stdout.strip() != "active"]
    assert len(down) == 1, (down, failures(out))
    assert "the rolling restart stopped there" in out and log in out, failures(out)
    assert f" on {down[0]} did not come back" in out, failures(out)
    serving = [name for name in nodes if name != down[0]]
    assert {n: p for n, p in pids(nodes, unit).items() if n in serving} == {n: before[n] for n in serving}
    for name in serving:
        status = cluster_ctl(nodes[name], "status", cid).stdout
        assert status.count("PINNED") >= 2, (name, status)

    # The fix is the inventory without the setting: the next run brings the peer back.
    result = site(tmp_path)
    assert result.returncode == 0, failures(result.stdout + result.stderr)
    for name, node in nodes.items():
        assert node.run(f"systemctl is-active {unit}").stdout.strip() == "active", name
    wait_for("the pin pinned on all three again",
             lambda: cluster_ctl(nodes["n1"], "status", cid).stdout.count("PINNED") == 3, timeout=180)


def test_a_removed_rest_api_exposure_is_gone_from_the_peers(tmp_path, nodes):
    """Basic auth and TLS set, then dropped from the inventory: service.json loses them and the run succeeds."""
    exposed = {"cluster_restapi_address": "/ip4/0.0.0.0/tcp/9094", "cluster_restapi_self_signed": True,
               "cluster_restapi_basic_auth": {"admin": "first-password"}}
    result = site(tmp_path, **exposed)
    assert result.returncode == 0, failures(result.stdout + result.stderr)
    restapi = service(nodes["n1"])["api"]["restapi"]
    assert restapi["basic_auth_credentials"] == {"admin": "first-password"} and restapi["ssl_cert_file"]

    # A wait given the wrong password ends within seconds, naming the setting.
    args = json.dumps({"cluster_api": "https://127.0.0.1:9094", "cluster_api_user": "admin",
                       "cluster_api_password": "wrong", "validate_certs": False, "pins": False,
                       "wait": {"cluster_peers": 3}, "timeout": 300})
    start = time.monotonic()
    wrong = subprocess.run(["ansible", "-i", INVENTORY, "n1", "-b", "-m", "pinfleet.ipfs.peer_state", "-a", args],
                           capture_output=True, text=True, check=False)
    assert wrong.returncode != 0
    assert time.monotonic() - start < 60
    assert "HTTP 401" in wrong.stdout and "cluster_restapi_basic_auth" in wrong.stdout, wrong.stdout[-2000:]

    result = site(tmp_path)
    assert result.returncode == 0, failures(result.stdout + result.stderr)
    for name, node in nodes.items():
        restapi = service(node)["api"]["restapi"]
        assert not restapi.get("basic_auth_credentials") and not restapi.get("ssl_cert_file"), (name, restapi)
        assert restapi["http_listen_multiaddress"] == "/ip4/127.0.0.1/tcp/9094"
        cluster_ctl(node, "id")


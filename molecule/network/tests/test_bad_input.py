"""Bad input stops the site play before any host changes, with a message that names the fix."""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
from pathlib import Path

import pytest
import yaml
from pinfleet_hosts import INVENTORY, connection, failures, fingerprint, inventory_groups, playbook

STORAGE = inventory_groups()["storage"]
KEY_HEX = secrets.token_hex(32)
HEADER = "/key/swarm/psk/1.0.0/\n/base16/\n"
VERSION = os.environ["PINFLEET_KUBO_VERSION"]
MIRROR = os.path.join(os.environ["PINFLEET_CACHE"], "mirror")
# The example inventory's cluster secret: its vault's password is in the README.
PUBLISHED_SECRET = "16382a721df4bc090a1fae1abb310385071993679d6a5aa9c3e2b7b06a8707c1"


@pytest.fixture(scope="module")
def storage(nodes):
    return list(nodes.values())


def run_site(tmp_path, extra: dict, inventory: str | None = None, *args: str):
    extra_file = tmp_path / "extra.json"
    extra_file.write_text(json.dumps(extra))
    return playbook("playbooks/site.yml", "-e", f"@{extra_file}", *args, inventory=inventory)


def assert_refused(result, storage, before, *expected: str, secret: str = ""):
    """Refused with the messages expected, no host changed, and the secret the run was given not printed."""
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    for text in expected:
        assert text in out, f"{text!r} not in output:\n{failures(out)}"
    if secret:
        assert secret not in out, "the run printed a secret"
    assert_hosts_unchanged(out, storage, before)


def assert_hosts_unchanged(out, storage, before):
    """No task changed a host (controller-side tasks show as 'host -> localhost')."""
    changed = re.findall(r"^changed: \[[^\]>]*\].*$", out, re.M)
    assert not changed, changed
    assert [fingerprint(node) for node in storage] == before


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        pytest.param("/key/swarm/psk/2.0.0/\n/base16/\n" + KEY_HEX, "line 1 must be exactly", id="header"),
        pytest.param(HEADER + KEY_HEX[:62], "64 hex characters, it has 62", id="length"),
        pytest.param(HEADER + KEY_HEX[:63] + "z", "not hex", id="non-hex"),
        pytest.param("\ufeff" + HEADER + KEY_HEX, "byte-order mark", id="bom"),
        pytest.param("", "kubo_swarm_key is empty", id="empty"),
    ],
)
def test_malformed_swarm_key(tmp_path, storage, key, expected):
    before = [fingerprint(node) for node in storage]
    result = run_site(tmp_path, {"kubo_swarm_key": key})
    assert_refused(result, storage, before, expected, "openssl rand -hex 32", secret=KEY_HEX[:62] if key else "")


def test_missing_swarm_key(tmp_path, storage):
    """An inventory without kubo_swarm_key at all."""
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(yaml.safe_dump({"storage": {"hosts": {
        name: connection(name) for name in STORAGE}}}))
    before = [fingerprint(node) for node in storage]
    result = run_site(tmp_path, {"kubo_dist_url": os.environ["PINFLEET_MIRROR_URL"], "kubo_version": VERSION},
                      inventory=str(inventory))
    assert_refused(result, storage, before, "missing required arguments: kubo_swarm_key")


def test_checksum_mismatch(tmp_path, storage):
    name = f"kubo_{VERSION}_linux-amd64.tar.gz"
    bad = tmp_path / "mirror" / "kubo" / VERSION
    bad.mkdir(parents=True)
    shutil.copy(os.path.join(MIRROR, "kubo", VERSION, name + ".sha512"), bad)
    with open(os.path.join(MIRROR, "kubo", VERSION, name), "rb") as src:
        (bad / name).write_bytes(src.read() + b"tampered")
    before = [fingerprint(node) for node in storage]
    result = run_site(tmp_path, {"kubo_dist_url": f"file://{tmp_path}/mirror",
                                 "release_controller_cache": str(tmp_path / "cache")})
    assert_refused(result, storage, before, "does not match its published sha512", "Re-sync the mirror",
                   "pin the official sums in pinfleet_release_sha512")
    assert not (tmp_path / "cache" / name).exists()


def test_a_pinned_sum_refuses_a_changed_archive_that_its_mirror_vouches_for(tmp_path, storage):
    """A mirror serving a changed archive with a sum to match passes the published sum; the sum pinned in the
    inventory (the official one) refuses it."""
    name = f"kubo_{VERSION}_linux-amd64.tar.gz"
    bad = tmp_path / "mirror" / "kubo" / VERSION
    bad.mkdir(parents=True)
    with open(os.path.join(MIRROR, "kubo", VERSION, name), "rb") as src:
        changed = src.read() + b"changed"
    (bad / name).write_bytes(changed)
    (bad / f"{name}.sha512").write_text(f"{hashlib.sha512(changed).hexdigest()}  {name}\n")
    with open(os.path.join(MIRROR, "kubo", VERSION, f"{name}.sha512")) as official:
        pinned = official.read().split()[0]
    before = [fingerprint(node) for node in storage]
    result = run_site(tmp_path, {"kubo_dist_url": f"file://{tmp_path}/mirror",
                                 "release_controller_cache": str(tmp_path / "cache"),
                                 "pinfleet_release_sha512": {name: pinned}})
    assert_refused(result, storage, before, "does not match the sha512 pinned for it in pinfleet_release_sha512")
    assert not (tmp_path / "cache" / name).exists()


def test_unreachable_mirror(tmp_path, storage):
    before = [fingerprint(node) for node in storage]
    result = run_site(tmp_path, {"kubo_dist_url": "http://127.0.0.1:9",
                                 "release_controller_cache": str(tmp_path / "cache")})
    assert_refused(result, storage, before, "could not be fetched and verified from http://127.0.0.1:9",
                   "set release_dist_url")


def test_local_archive_folder_for_air_gapped_sites(tmp_path, storage):
    """A file:// folder on the controller is a mirror too; a converged network stays as it is."""
    before = [fingerprint(node) for node in storage]
    result = run_site(tmp_path, {"kubo_dist_url": f"file://{MIRROR}",
                                 "release_controller_cache": str(tmp_path / "cache")})
    out = result.stdout + result.stderr
    assert result.returncode == 0, failures(out)
    assert (tmp_path / "cache" / f"kubo_{VERSION}_linux-amd64.tar.gz").exists()
    assert_hosts_unchanged(out, storage, before)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        pytest.param({"cluster_secret": "ab" * 31}, "64 hex characters (32 bytes), it has 62", id="secret-length"),
        pytest.param({"cluster_secret": "zz" * 32}, "not hex", id="secret-not-hex"),
        pytest.param({"cluster_secret": PUBLISHED_SECRET}, "the example inventory's cluster secret, published",
                     id="published-secret"),
        pytest.param({"cluster_peername": "same"}, "Peer names are not unique", id="duplicate-names"),
        pytest.param({"cluster_restapi_address": "/ip4/0.0.0.0/tcp/9094"}, "exposes the REST API beyond this host",
                     id="exposed-api-without-tls-or-auth"),
        pytest.param({"cluster_restapi_address": "/ip4/0.0.0.0/tcp/9094", "cluster_restapi_basic_auth": {"a": "b"}},
                     "cluster_restapi_self_signed: true", id="exposed-api-without-tls"),
        pytest.param({"cluster_restapi_address": "/ip4/0.0.0.0/tcp/9094", "cluster_restapi_basic_auth": {"a": "b"},
                      "cluster_restapi_tls_cert": "files/restapi.crt",
                      "cluster_restapi_tls_key": "/nowhere/restapi.key"},
                     f"{Path(INVENTORY).parent}/files/restapi.crt and /nowhere/restapi.key not found on the controller",
                     id="exposed-api-tls-files-missing"),
        pytest.param({"cluster_trusted_peers": []}, "cluster_trusted_peers is an empty list", id="no-trusted-peers"),
        pytest.param({"cluster_secret": "cd" * 32}, "cluster_secret is not the secret the running cluster uses",
                     id="secret-changed-on-a-running-cluster"),
    ],
)
def test_bad_cluster_input(tmp_path, storage, extra, expected):
    before = [fingerprint(node) for node in storage]
    assert_refused(run_site(tmp_path, extra), storage, before, expected, secret=extra.get("cluster_secret", ""))


def test_a_setting_outside_its_choices_is_one_line(tmp_path, storage):
    """The roles' argument specs: the setting and its choices are named, and the spec is not printed."""
    before = [fingerprint(node) for node in storage]
    result = run_site(tmp_path, {"cluster_consensus": "paxos"})
    assert_refused(result, storage, before, "value of cluster_consensus must be one of: crdt, raft, got: paxos")
    assert "argument_spec" not in result.stdout + result.stderr
    assert "Consensus component" not in result.stdout + result.stderr


def test_an_unreachable_host_never_recorded_is_left_out_or_refused(tmp_path, storage):
    """A storage host that does not answer (nothing listens on loopback's port 9) and was never recorded: left out
    with one line, changing no other host, the run's status saying so; refused when every host is required."""
    overlay = tmp_path / "ghost.yml"
    overlay.write_text(yaml.safe_dump({"storage": {"hosts": {"ghost": {
        "ansible_host": "127.0.0.1", "ansible_port": 9, "ansible_connection": "ssh"}}}}))
    before = [fingerprint(node) for node in storage]
    result = playbook("playbooks/site.yml", "-i", str(overlay))
    out = result.stdout + result.stderr
    assert result.returncode == 4, failures(out)
    assert "ghost: not in this run (unreachable, or left out by --limit), and never recorded: left out, and no other" \
        " host changes for it" in " ".join(out.split()), failures(out)
    assert_hosts_unchanged(out, storage, before)
    result = playbook("playbooks/site.yml", "-i", str(overlay), "-e", "pinfleet_require_all_hosts=true")
    assert_refused(result, storage, before, "ghost is not in this run (unreachable, or left out by --limit), and"
                   " pinfleet_require_all_hosts is true, so nothing was changed", "playbooks/remove.yml")


def test_cluster_name_differing_between_hosts(tmp_path, storage):
    overlay = tmp_path / "overlay.yml"
    overlay.write_text(yaml.safe_dump({"storage": {"hosts": {STORAGE[0]: {"cluster_name": "elsewhere"}}}}))
    before = [fingerprint(node) for node in storage]
    result = playbook("playbooks/site.yml", "-i", str(overlay))
    assert_refused(result, storage, before, "cluster_name differs between peers", "elsewhere")


def test_a_limited_run_reads_the_others_from_the_record(tmp_path, storage):
    """--limit to one node of a recorded network: the others come from the fleet record, so nothing changes
    anywhere; with every host required, the run is refused naming the others."""
    before = [fingerprint(node) for node in storage]
    result = playbook("playbooks/site.yml", "--limit", STORAGE[0])
    out = result.stdout + result.stderr
    assert result.returncode == 0, failures(out)
    for name in STORAGE[1:]:
        assert f"{name}: not in this run (unreachable, or left out by --limit); it keeps its place" in \
            " ".join(out.split()), failures(out)
    assert_hosts_unchanged(out, storage, before)
    result = playbook("playbooks/site.yml", "--limit", STORAGE[0], "-e", "pinfleet_require_all_hosts=true")
    assert_refused(result, storage, before, f"{', '.join(STORAGE[1:])} are not in this run")


def test_a_machine_listed_twice_is_refused_naming_both(tmp_path, storage):
    """A copy-paste mistake: a new inventory name that points at a machine already in the group."""
    last = STORAGE[-1]
    overlay = tmp_path / "twice.yml"
    overlay.write_text(yaml.safe_dump({"storage": {"hosts": {"n9": connection(last)}}}))
    before = [fingerprint(node) for node in storage]
    result = playbook("playbooks/site.yml", "-i", str(overlay))
    assert_refused(result, storage, before, f"{last} and n9 are one machine", "Remove the second name")


def test_the_firewall_role_alone_is_refused_before_it_shuts_the_peers_out(tmp_path, storage):
    """The firewall role's README example, without the kubo and cluster roles: it would know no peer to let in."""
    alone = tmp_path / "firewall.yml"
    alone.write_text(yaml.safe_dump([{"hosts": "storage", "become": True, "roles": [
        {"role": "pinfleet.ipfs.firewall", "vars": {"firewall_admin_sources": ["192.0.2.0/28"]}}]}]))
    before = [fingerprint(node) for node in storage]
    result = playbook(str(alone))
    assert_refused(result, storage, before, f"{', '.join(STORAGE)} of group storage published no cluster_peer",
                   "Run the roles pinfleet.ipfs.kubo and pinfleet.ipfs.cluster")

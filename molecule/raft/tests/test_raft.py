"""A raft cluster whose REST API is exposed over HTTPS with basic auth."""

from __future__ import annotations

import base64
import json
import os
import secrets
import ssl
import urllib.error
import urllib.request

import pytest
from pinfleet_hosts import address, cluster_ctl, host, inventory_groups, wait_for

STORAGE = inventory_groups()["storage"]
PASSWORD_FILE = os.path.join(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", ""), "admin.password")


@pytest.fixture(scope="module")
def peers():
    return {name: host(name) for name in STORAGE}


def ctl(node, *args):
    with open(PASSWORD_FILE) as handle:
        password = handle.read().strip()
    return cluster_ctl(node, "--https", "--no-check-certificate", "--basic-auth", f"admin:{password}",
                       "--host", f"/ip4/{address(node)}/tcp/9094", *args)


def api(node, path: str, user: str, password: str):
    """GET the REST API from the test bed's host, the one admin source."""
    request = urllib.request.Request(f"https://{address(node)}:9094{path}")
    request.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def test_raft_peers_see_each_other(peers):
    ids = {name: json.loads(ctl(node, "--enc=json", "id").stdout)["id"] for name, node in peers.items()}
    for name, node in peers.items():
        info = json.loads(ctl(node, "--enc=json", "id").stdout)
        assert sorted(info["cluster_peers"]) == sorted(ids.values()), name
        assert not info["ipfs"].get("error")


def test_a_pin_is_replicated(peers):
    first = peers[STORAGE[0]]
    first.check_output(f"printf 'raft {secrets.token_hex(16)}' > /tmp/pin.txt")
    cid = ctl(first, "add", "-Q", "/tmp/pin.txt").stdout.strip()

    def pinned_everywhere():
        info = json.loads(ctl(first, "--enc=json", "status", cid).stdout)
        return len(info["peer_map"]) == 3 and {p["status"] for p in info["peer_map"].values()} == {"pinned"}

    wait_for(f"{cid} pinned on all three", pinned_everywhere)


def test_rest_api_wants_the_right_password_over_https(peers):
    with open(PASSWORD_FILE) as handle:
        password = handle.read().strip()
    node = peers[STORAGE[0]]
    assert api(node, "/id", "admin", password + "x")[0] == 401
    assert api(node, "/id", "nobody", password)[0] == 401
    status, body = api(node, "/id", "admin", password)
    assert status == 200 and json.loads(body)["peername"] == STORAGE[0]
    # Plain HTTP is not served.
    with pytest.raises(Exception):  # noqa: B017 - any failure: reset, bad status line, timeout
        urllib.request.urlopen(f"http://{address(node)}:9094/id", timeout=5)

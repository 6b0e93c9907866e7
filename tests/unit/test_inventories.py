"""The example inventory decrypts with its documented password and holds valid secrets."""

import json
import subprocess
from pathlib import Path

from ansible_collections.pinfleet.ipfs.plugins.module_utils import secrets

ROOT = Path(__file__).resolve().parents[2]


def test_example_inventory_secrets_are_valid(tmp_path):
    password = tmp_path / "vault-password"
    password.write_text("pinfleet-example\n")
    out = subprocess.run(
        ["ansible-inventory", "-i", str(ROOT / "inventories" / "example"), "--vault-password-file", str(password),
         "--host", "ipfs1"],
        capture_output=True, text=True, check=True,
    ).stdout
    host = json.loads(out)
    assert secrets.swarm_key_problem(host["vault_kubo_swarm_key"]) == ""
    assert secrets.cluster_secret_problem(host["vault_cluster_secret"]) == ""
    assert host["kubo_swarm_key"] == "{{ vault_kubo_swarm_key }}"

"""The example inventory decrypts with its documented password and holds well-formed secrets, which are refused
for being published."""

import json
import subprocess
from pathlib import Path

from ansible_collections.pinfleet.ipfs.plugins.module_utils import secrets

ROOT = Path(__file__).resolve().parents[2]


def test_example_inventory_secrets_are_well_formed_and_refused_as_published(tmp_path):
    password = tmp_path / "vault-password"
    password.write_text("pinfleet-example\n")
    out = subprocess.run(
        ["ansible-inventory", "-i", str(ROOT / "inventories" / "example"), "--vault-password-file", str(password),
         "--host", "ipfs1"],
        capture_output=True, text=True, check=True,
    ).stdout
    host = json.loads(out)
    key, secret = host["vault_kubo_swarm_key"], host["vault_cluster_secret"]
    assert secrets.swarm_key_problem(key).startswith("kubo_swarm_key is the example inventory's swarm key, published")
    assert secrets.cluster_secret_problem(secret).startswith(
        "cluster_secret is the example inventory's cluster secret, published")
    # In any spelling, and only they: one hex digit changed is a secret of its own.
    header, base, hex_key = key.split()
    assert "published" in secrets.swarm_key_problem(f"{header}\r\n{base}\r\n{hex_key.upper()}\r\n")
    assert "published" in secrets.cluster_secret_problem(f"  {secret.upper()}\n")
    other = secret[:-1] + ("0" if secret[-1] != "0" else "1")
    assert secrets.cluster_secret_problem(other) == ""
    assert host["kubo_swarm_key"] == "{{ vault_kubo_swarm_key }}"

"""execution-environment.yml builds pinfleet.ipfs from its own artifact, with ranges rather than pins."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_the_build_context_holds_the_artifact_and_installs_it_from_there(tmp_path):
    subprocess.run(["ansible-galaxy", "collection", "build", "--output-path", str(tmp_path), str(ROOT)],
                   capture_output=True, text=True, check=True)
    (built,) = tmp_path.glob("pinfleet-ipfs-*.tar.gz")
    # As the file's own comment tells an operator: the artifact beside it, under a fixed name.
    shutil.copy(built, tmp_path / "pinfleet-ipfs.tar.gz")
    for name in ("execution-environment.yml", "requirements.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    subprocess.run(["ansible-builder", "create", "-f", "execution-environment.yml", "-c", "context"], cwd=tmp_path,
                   capture_output=True, text=True, check=True)
    context = tmp_path / "context"
    copied = context / "_build" / "pinfleet" / "pinfleet-ipfs.tar.gz"
    assert hashlib.sha256(copied.read_bytes()).hexdigest() == hashlib.sha256(built.read_bytes()).hexdigest()
    assert yaml.safe_load((context / "_build" / "requirements.yml").read_text()) == {
        "collections": [{"name": "/tmp/pinfleet/pinfleet-ipfs.tar.gz", "type": "file"}]}
    containerfile = (context / "Containerfile").read_text()
    galaxy = containerfile.split("FROM base AS galaxy", 1)[1].split("FROM ", 1)[0]
    assert galaxy.index("COPY _build/pinfleet/pinfleet-ipfs.tar.gz /tmp/pinfleet/") < galaxy.index(
        "ansible-galaxy collection install")
    python = (context / "_build" / "requirements.txt").read_text()
    assert "netaddr>=" in python and "==" not in python
    assert "==" not in (ROOT / "execution-environment.yml").read_text()

"""Helpers for the molecule scenarios' testinfra checks.

The scenarios run real kubo (and ipfs-cluster) daemons on podman hosts; these
helpers reach them over SSH through molecule's inventory, as the playbooks do,
and run the collection's playbooks again with other inputs.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shlex
import signal
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import testinfra
import yaml

ROOT = Path(os.environ.get("PINFLEET_ROOT", Path(__file__).resolve().parents[2]))
INVENTORY = os.environ.get("MOLECULE_INVENTORY_FILE", "")
IPFS_PATH = "/var/lib/ipfs"
CLUSTER_PATH = "/var/lib/ipfs-cluster"


def state_folder() -> Path:
    """Where the plays keep their lock and records for the scenario's inventory: its pinfleet_state_dir, or
    the default (lookup state_dir)."""
    group_vars = Path(INVENTORY).parent / "group_vars" / "all"
    if group_vars.exists():
        chosen = (yaml.safe_load(group_vars.read_text()) or {}).get("pinfleet_state_dir")
        if chosen:
            return Path(chosen)
    folder = Path(INVENTORY).parent
    base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local/state")
    return base / "pinfleet" / f"{folder.name}-{hashlib.sha256(str(folder).encode()).hexdigest()[:8]}"


def inventory_groups() -> dict[str, list[str]]:
    """Group name -> host names, read from molecule's generated inventory."""
    data = yaml.safe_load(Path(INVENTORY).read_text())
    groups: dict[str, list[str]] = {}

    def walk(name, node):
        node = node or {}
        groups.setdefault(name, [])
        groups[name].extend((node.get("hosts") or {}).keys())
        for child, sub in (node.get("children") or {}).items():
            walk(child, sub)
            groups[name].extend(groups[child])

    for name, node in data.items():
        walk(name, node)
    return {k: sorted(set(v)) for k, v in groups.items()}


def inventory_with(name: str, **groups: list[str]) -> str:
    """An inventory of the scenario's hosts laid out in other groups, as an operator edits theirs.

    It keeps molecule's connection settings, group_vars and host_vars; returns its folder, for ansible-playbook -i.
    """
    molecule = Path(INVENTORY)
    hosts = yaml.safe_load(molecule.read_text())["all"]["hosts"]
    folder = molecule.parent.parent / f"inventory-{name}"
    folder.mkdir(exist_ok=True)
    children = {group: {"hosts": dict.fromkeys(members)} for group, members in groups.items()}
    layout = {"all": {"hosts": hosts, "children": children}}
    (folder / "hosts.yml").write_text(yaml.safe_dump(layout))
    for vars_dir in ("group_vars", "host_vars"):
        if not (folder / vars_dir).exists() and (molecule.parent / vars_dir).exists():
            (folder / vars_dir).symlink_to(molecule.parent / vars_dir)
    return str(folder)


def connection(name: str) -> dict[str, str]:
    """How Ansible reaches a scenario host: molecule's settings for it (SSH) and its address (in host_vars)."""
    inventory = Path(INVENTORY)
    settings = yaml.safe_load(inventory.read_text())["all"]["hosts"][name]
    address = yaml.safe_load((inventory.parent / "host_vars" / name).read_text())["ansible_host"]
    return {**settings, "ansible_host": address}


def host(name: str):
    """A scenario host, reached over SSH as the playbooks reach it, one connection kept open per host."""
    settings = connection(name)
    return testinfra.get_host(
        f"ssh://{settings['ansible_user']}@{settings['ansible_host']}",
        ssh_identity_file=settings["ansible_ssh_private_key_file"],
        ssh_extra_args=settings["ansible_ssh_common_args"]
        + " -o ControlMaster=auto -o ControlPersist=60s -o ControlPath=/tmp/pinfleet-checks-%C",
    )


def power(name: str, on: bool):
    """Start or stop a scenario host's machine (its container). The checks' kept SSH connection to it is closed:
    one to a machine that stopped would hang."""
    settings = connection(name)
    subprocess.run(["ssh", "-o", "ControlPath=/tmp/pinfleet-checks-%C", "-p", str(settings.get("ansible_port", 22)),
                    "-O", "exit", f"{settings['ansible_user']}@{settings['ansible_host']}"],
                   capture_output=True, check=False, timeout=30)
    subprocess.run(["podman", "start" if on else "stop", *([] if on else ["--time", "5"]), name],
                   check=True, capture_output=True)
    if on:
        subprocess.run(["podman", "exec", name, "systemctl", "is-system-running", "--wait"],
                       capture_output=True, check=False, timeout=180)
        # The machine is back for a run once its SSH port answers from here: a run started as soon as its
        # systemd was up has found connections to it timing out.
        wait_for(f"{name}'s SSH port to answer", lambda: _answers(settings["ansible_host"],
                                                                  int(settings.get("ansible_port", 22))), timeout=120)


def _answers(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=3):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def nodes():
    """The storage nodes, by name, in inventory order."""
    return {name: host(name) for name in inventory_groups()["storage"]}


@pytest.fixture(scope="session")
def outsider():
    """The node of another private network."""
    return host(inventory_groups()["outsiders"][0])


def ipfs(node, *args: str, check: bool = True, stdin: str | None = None):
    """Run the ipfs CLI on a node as its service user."""
    cmd = f"runuser -u ipfs -- env IPFS_PATH={IPFS_PATH} ipfs " + " ".join(map(shlex.quote, args))
    if stdin is not None:
        cmd = f"printf %s {shlex.quote(stdin)} | {cmd}"
    result = node.run(cmd)
    if check:
        assert result.rc == 0, f"{cmd} failed on {node.backend.hostname}: {result.stderr}"
    return result


def peer_id(node) -> str:
    return json.loads(ipfs(node, "id").stdout)["ID"]


def address(node) -> str:
    """The node's address on the test network."""
    out = node.check_output("ip -4 -o addr show scope global")
    return out.split()[3].split("/")[0]


def fingerprint(node) -> dict[str, str]:
    """What a failed run must leave alone on a node: daemons, configs, programs, rules."""
    return {
        "pids": node.run("systemctl show -p MainPID --value ipfs ipfs-cluster").stdout,
        "active": node.run("systemctl is-active ipfs ipfs-cluster pinfleet-firewall").stdout,
        "files": node.run(
            f"sha256sum {IPFS_PATH}/config {IPFS_PATH}/swarm.key /etc/systemd/system/ipfs*.service"
            f" {CLUSTER_PATH}/service.json {CLUSTER_PATH}/identity.json /etc/pinfleet/firewall.nft"
        ).stdout,
        "programs": node.run("readlink /usr/local/bin/ipfs /usr/local/bin/ipfs-cluster-*").stdout,
        "host firewall": node.run("ufw status; firewall-cmd --list-rich-rules").stdout,
    }


def starts(node) -> dict[str, str]:
    """When each daemon's process last started, by unit (systemd's monotonic clock): a restart changes it."""
    units = ("ipfs", "ipfs-cluster")
    out = node.check_output("systemctl show -p ExecMainStartTimestampMonotonic --value " + " ".join(units))
    return dict(zip(units, out.split(), strict=True))


def playbook(playbook: str, *args: str, inventory: str | None = None) -> subprocess.CompletedProcess:
    """Run a playbook of the collection against the scenario's hosts."""
    return subprocess.run(
        ["ansible-playbook", "-i", inventory or INVENTORY, str(ROOT / playbook), *args],
        capture_output=True, text=True, check=False, env=dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0"),
    )


def beside_a_run(cmd: list[str], lock, second):
    """Start the playbook run cmd and, once it holds lock (a path, or a check that it is held), pause it and call
    second(): a run started beside a long one, whatever the machine's speed. Returns second()'s result and the
    first run's exit code and output."""
    held = lock.exists if isinstance(lock, Path) else lock
    first = subprocess.Popen(cmd, env=dict(os.environ, ANSIBLE_NOCOLOR="1"), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    try:
        wait_for("the first run's lock", lambda: held() and first.poll() is None, timeout=120, interval=0.2)
        first.send_signal(signal.SIGSTOP)
        try:
            result = second()
        finally:
            first.send_signal(signal.SIGCONT)
    finally:
        out = first.communicate()[0]
    return result, first.returncode, out


def failures(out: str) -> str:
    """What a playbook run says went wrong: its failed tasks with their messages, then the end of its output."""
    lines = out.splitlines()
    failed = [n for n, line in enumerate(lines) if line.startswith(("fatal: ", "failed: "))]
    context = "\n".join("\n".join(lines[max(0, n - 2):n + 3]) for n in failed)
    return f"{context[-3000:]}\n...\n{out[-1500:]}"


def changes(out: str) -> str:
    """The tasks a playbook run changed something with, each with its changed lines: what a no-change run did."""
    found, task = [], ""
    for line in out.splitlines():
        if line.startswith("TASK ["):
            task = line
        elif line.startswith("changed: "):
            found += [task, line[:300]] if not found or found[-2] != task else [line[:300]]
    return "\n".join(found) or "(no task reported a change)"


def cluster_ctl(node, *args: str, check: bool = True):
    """Run ipfs-cluster-ctl on a node against its local REST API."""
    result = node.run("ipfs-cluster-ctl " + " ".join(map(shlex.quote, args)))
    if check:
        assert result.rc == 0, f"ipfs-cluster-ctl {args} failed on {node.backend.hostname}: {result.stderr}"
    return result


def add_files(node, count: int) -> list[str]:
    """Add count random files through the node's cluster peer: their CIDs."""
    cids = []
    for _file in range(count):
        node.check_output(f"printf '%s' {secrets.token_hex(32)} > /tmp/f")
        cids.append(cluster_ctl(node, "add", "-Q", "/tmp/f").stdout.strip())
    return cids


def cluster_id(node) -> dict:
    return json.loads(cluster_ctl(node, "--enc=json", "id").stdout)


def reachable(node, targets: list[tuple[str, int]], timeout: float = 3) -> list[tuple[str, int]]:
    """Which of the (address, port) targets node can connect to, all probed at once."""
    script = (
        "import json, socket, sys\n"
        "from concurrent.futures import ThreadPoolExecutor\n"
        "def probe(t):\n"
        "    try:\n"
        f"        socket.create_connection(tuple(t), {timeout}).close()\n"
        "        return t\n"
        "    except OSError:\n"
        "        return None\n"
        "with ThreadPoolExecutor(32) as pool:\n"
        "    print(json.dumps([t for t in pool.map(probe, json.load(sys.stdin)) if t]))\n"
    )
    out = node.check_output(f"echo {shlex.quote(json.dumps(targets))} | python3 -c {shlex.quote(script)}")
    return [tuple(t) for t in json.loads(out)]


def wait_for(what: str, check, timeout: float = 90, interval: float = 2):
    """Poll check() until it returns a truthy value; fail naming what did not happen."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class Prober(threading.Thread):
    """Asks every peer's REST API and kubo, once a second, and records who answered."""

    def __init__(self, nodes, cid):
        super().__init__(daemon=True)
        self.nodes, self.cid, self.rounds, self.stop = nodes, cid, [], threading.Event()

    def ask(self, node) -> tuple[bool, bool]:
        script = ("import urllib.request,sys\n"
                  "def ok(req):\n"
                  "    try:\n"
                  "        return urllib.request.urlopen(req, timeout=2).status < 300\n"
                  "    except Exception:\n"
                  "        return False\n"
                  "print(ok('http://127.0.0.1:9094/id'),"
                  f" ok(urllib.request.Request('http://127.0.0.1:5001/api/v0/cat?arg={self.cid}', method='POST')))")
        out = node.run(f"python3 -c {shlex.quote(script)}").stdout.split()
        return out[0:1] == ["True"], out[1:2] == ["True"]

    def run(self):
        with ThreadPoolExecutor(len(self.nodes)) as pool:
            while not self.stop.is_set():
                self.rounds.append(dict(zip(self.nodes, pool.map(self.ask, self.nodes.values()), strict=True)))
                time.sleep(1)

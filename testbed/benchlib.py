"""What the benchmarks share: fresh podman hosts on the test bed's network, an inventory, timed playbook runs."""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(os.environ["PINFLEET_ROOT"])
CACHE = Path(os.environ["PINFLEET_CACHE"])
WORK = CACHE / "bench"


def version(key: str) -> str:
    for line in (ROOT / "testbed/versions.yml").read_text().splitlines():
        if line.startswith(key + ":"):
            return line.split(":", 1)[1].strip()
    raise KeyError(key)


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def sh(*cmd: str, check: bool = True, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=check, text=True, capture_output=True, **kw)


def inventory(name: str, groups: dict[str, list[str]], **settings) -> Path:
    """An inventory like inventories/lab for the hosts in the given groups, keys made on first use.

    The hosts are reached over SSH with pipelining, as an operator's controller
    reaches its servers (the test scenarios do too): podman exec, which the lab
    uses, starts several processes per task, and the benchmark would measure those.
    """
    WORK.mkdir(parents=True, exist_ok=True)
    keys = f"lookup('ansible.builtin.password', '{WORK}/{{}}', chars=['0123456789abcdef'], length=64)"
    group_vars = {
        "ansible_user": "root",
        "ansible_ssh_private_key_file": str(ssh_key()),
        "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR",
        "kubo_dist_url": os.environ["PINFLEET_MIRROR_URL"],
        "cluster_dist_url": os.environ["PINFLEET_MIRROR_URL"],
        "kubo_swarm_key": "{{ " + keys.format("swarm.psk") + " | pinfleet.ipfs.swarm_key_from_hex }}",
        "cluster_secret": "{{ " + keys.format("cluster.secret") + " }}",
        **settings,
    }
    layout = {"all": {"vars": group_vars, "children": {
        group: {"hosts": {h: {"ansible_host": address(h)} for h in hosts}} for group, hosts in groups.items()}}}
    path = WORK / f"{name}.json"
    path.write_text(json.dumps(layout))
    return path


def ssh_key() -> Path:
    """The benchmark's own SSH key, made on first use."""
    key = WORK / "ssh" / "id_ed25519"
    if not key.exists():
        key.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "pinfleet bench", "-f", str(key))
    return key


def address(host: str) -> str:
    return sh("podman", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
              f"pinfleet-{host}").stdout.strip()


def fresh_hosts(names: list[str]) -> dict[str, str]:
    """New containers booting systemd, which let the benchmark's key in over SSH, by name: their addresses."""
    image = os.environ["PINFLEET_IMAGE"]
    for h in names:
        sh("podman", "rm", "-f", f"pinfleet-{h}", check=False)
        sh("podman", "run", "-d", "--name", f"pinfleet-{h}", "--hostname", h, "--network",
           os.environ["PINFLEET_NETWORK"], "--systemd=always", "--cap-add", "NET_ADMIN,SYS_ADMIN,SYS_PTRACE",
           image, "/sbin/init")
    for h in names:
        sh("podman", "exec", f"pinfleet-{h}", "systemctl", "is-system-running", "--wait", check=False)
        sh("podman", "exec", f"pinfleet-{h}", "install", "-d", "-m", "700", "/root/.ssh")
        sh("podman", "cp", f"{ssh_key()}.pub", f"pinfleet-{h}:/root/.ssh/authorized_keys")
    return {h: address(h) for h in names}


def remove_hosts(names: list[str]) -> None:
    for h in names:
        sh("podman", "rm", "-f", f"pinfleet-{h}", check=False)


def cpu_of_hosts(inv: Path) -> float:
    """CPU seconds the inventory's hosts have used so far, all their processes (daemons too), from their cgroups."""
    layout = json.loads(inv.read_text())
    total = 0.0
    for group in layout["all"]["children"].values():
        for host in group["hosts"]:
            pid = sh("podman", "inspect", "-f", "{{.State.Pid}}", f"pinfleet-{host}").stdout.strip()
            total += _cgroup_cpu(Path(f"/proc/{pid}/cgroup").read_text())
    return total


def _cgroup_cpu(proc_cgroup: str) -> float:
    """The CPU seconds of the container whose init has this /proc/<pid>/cgroup (cgroup v1 or v2)."""
    for line in proc_cgroup.splitlines():
        _hierarchy, controllers, path = line.split(":", 2)
        path = path.removesuffix("/init.scope")
        if "cpuacct" in controllers.split(","):
            return int(Path(f"/sys/fs/cgroup/cpuacct{path}/cpuacct.usage").read_text()) / 1e9
        if controllers == "":
            stat = Path(f"/sys/fs/cgroup{path}/cpu.stat")
            if stat.exists():
                usage = dict(entry.split() for entry in stat.read_text().splitlines())
                return int(usage["usage_usec"]) / 1e6
    raise RuntimeError(f"no CPU accounting in this cgroup: {proc_cgroup}")


class Run(NamedTuple):
    seconds: float
    changed: int  # the changed count of the recap
    controller_cpu: float  # CPU seconds of ansible-playbook and its SSH clients, on this machine
    hosts_cpu: float  # CPU seconds the hosts used meanwhile, on the test bed this machine's too


def playbook(inv: Path, name: str, *extra: str, slices: list[str] | None = None) -> Run:
    """Run a playbook of the collection, timed; with slices, one run per --limit given, all at once (a sliced
    job), timed together. A failure ends the benchmark.

    The output, with the time of each task, is kept beside the results as <inventory>-<playbook>.log.
    """
    before, hosts_before = resource.getrusage(resource.RUSAGE_CHILDREN), cpu_of_hosts(inv)
    start = time.monotonic()
    env = dict(os.environ, ANSIBLE_NOCOLOR="1")
    runs = [subprocess.Popen(["ansible-playbook", "-i", str(inv), str(ROOT / "playbooks" / name), *extra,
                              *(["--limit", limit] if limit else [])],
                             text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
            for limit in slices or [""]]
    outputs = [run.communicate()[0] for run in runs]
    took = time.monotonic() - start
    after, hosts_after = resource.getrusage(resource.RUSAGE_CHILDREN), cpu_of_hosts(inv)
    (WORK / f"{inv.stem}-{Path(name).stem}.log").write_text("\n".join(outputs))
    for run, output in zip(runs, outputs, strict=True):
        if run.returncode != 0:
            sys.exit(f"{name} {' '.join(run.args[4:])} failed:\n{output[-6000:]}")
    changed = sum(int(n) for out in outputs for n in re.findall(r"^\S+\s+: ok=\d+\s+changed=(\d+)", out, re.M))
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return Run(took, changed, cpu, hosts_after - hosts_before)

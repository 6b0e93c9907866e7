"""The scale benchmark (run through testbed/bench-scale.sh, which sets up the test bed).

For each size: that many fresh hosts, a cold playbooks/site.yml, then a run
that has nothing to do. At the largest size, one peer added through the
inventory, then removed with playbooks/remove.yml.

Each row gives the wall time, the changed count, the CPU time that Ansible
spent on this machine (the controller's share) and the CPU time the hosts
used meanwhile. On the test bed the hosts share this machine's cores, which
the last column shows: how many cores the run kept busy on average. Where
that is the machine's core count, the wall time is the sum of the work
divided by the cores, not a chain of steps waiting on each other.
"""

from __future__ import annotations

import os

from benchlib import WORK, fresh_hosts, inventory, log, playbook, remove_hosts

SIZES = [int(n) for n in os.environ.get("PINFLEET_BENCH_SIZES", "3 10 20").split()]


def hosts(n: int) -> list[str]:
    return [f"scale{i}" for i in range(1, n + 1)]


def main():
    rows = []
    for size in SIZES:
        names = hosts(size)
        log(f"{size} fresh hosts")
        remove_hosts(hosts(max(SIZES) + 1))
        fresh_hosts(names)
        inv = inventory(f"scale{size}", {"storage": names})
        log(f"{size} peers: cold converge")
        rows.append((f"cold converge of {size} peers", size, *playbook(inv, "site.yml")))
        log(f"{size} peers: converge with nothing to do")
        rows.append((f"no-change converge of {size} peers", size, *playbook(inv, "site.yml")))
    size = max(SIZES)
    names, extra = hosts(size), f"scale{size + 1}"
    fresh_hosts([extra])
    log(f"adding one peer to {size}")
    rows.append((f"add one peer to {size}", size + 1,
                 *playbook(inventory("scale-add", {"storage": [*names, extra]}), "site.yml")))
    log("removing it again")
    rows.append((f"remove one peer of {size + 1}", size + 1,
                 *playbook(inventory("scale-remove", {"storage": names, "decommission": [extra]}), "remove.yml")))
    remove_hosts(hosts(size + 1))
    lines = [f"{'operation':<32} {'hosts':>5} {'seconds':>8} {'changed':>8} {'controller CPU s':>17}"
             f" {'hosts CPU s':>12} {'cores busy':>11}"]
    lines += [f"{op:<32} {n:>5} {took:>8.1f} {changed:>8} {cpu:>17.1f} {hosts:>12.1f} {(cpu + hosts) / took:>11.2f}"
              for op, n, took, changed, cpu, hosts in rows]
    lines.append(f"(this machine has {os.cpu_count()} cores)")
    text = "\n".join(lines) + "\n"
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "scale.txt").write_text(text)
    print(text, end="")


if __name__ == "__main__":
    main()

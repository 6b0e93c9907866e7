"""The scale benchmark (run through testbed/bench-scale.sh, which sets up the test bed).

For each size: that many fresh hosts, a cold playbooks/site.yml, a run that
has nothing to do, one peer added by a run limited to it (--limit, the peers
letting in the peer network: firewall_peer_sources) and removed again with
playbooks/remove.yml, the no-change run split into 2 and into 4 slices run at
once (as a sliced job runs them: each its own ansible-playbook with its own
--limit, the fleet record in common), and last the peer added once more by a
full run, the costliest row on a large fleet.

Each row gives the wall time, the changed count, the CPU time that Ansible
spent on this machine (the controller's share) and the CPU time the hosts
used meanwhile. On the test bed the hosts share this machine's cores, which
the "cores busy" column shows: how many cores the run kept busy on average.

For an addition or a removal, two more columns: the restarts of the running
peers' daemons (kubo and the cluster peer), counted on the hosts from the
start time systemd keeps of each daemon's process; and the requests that
failed of a client that meanwhile keeps adding content, pinning it and
reading its pin back through the running peers' REST APIs, in turn.

PINFLEET_BENCH_TRUST=list measures the default crdt trust, a list of the
peers' IDs, which ipfs-cluster reads only when it starts; the default here
is '*' (every peer trusted), with which a change should restart nothing.
PINFLEET_BENCH_PROBE_SECONDS sets the client's pace (1 s): every pin is
pinned by every peer, so on a small machine hosting 20 peers a pin a second
is most of the load.
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import sys

from benchlib import ROOT, WORK, fresh_hosts, inventory, log, playbook, remove_hosts, sh

sys.path.insert(0, str(ROOT / "tests" / "integration"))
from rest_prober import RestProber

SIZES = [int(n) for n in os.environ.get("PINFLEET_BENCH_SIZES", "3 10 20").split()]
TRUST = os.environ.get("PINFLEET_BENCH_TRUST", "*")
# Seconds between the client's pins; each pin is replicated to every peer.
PROBE = float(os.environ.get("PINFLEET_BENCH_PROBE_SECONDS", "1"))


def hosts(n: int) -> list[str]:
    return [f"scale{i}" for i in range(1, n + 1)]


def starts(names: list[str]) -> dict[str, list[str]]:
    """When each daemon's process on those hosts last started (systemd's monotonic clock)."""
    return {h: sh("podman", "exec", f"pinfleet-{h}", "systemctl", "show", "-p", "ExecMainStartTimestampMonotonic",
                  "--value", "ipfs", "ipfs-cluster").stdout.split() for h in names}


def restarts(before: dict[str, list[str]]) -> int:
    after = starts(list(before))
    return sum(a != b for h in before for a, b in zip(before[h], after[h], strict=True))


def measured(label: str, size: int, inv, name: str, *extra: str, running: dict[str, str], password: str) -> tuple:
    """A playbook run while a client keeps pinning through the running peers (name: address), and what it cost them."""
    before = starts(list(running))
    prober = RestProber([f"https://{address}:9094" for address in running.values()], "admin", password,
                        interval=PROBE)
    prober.start()
    try:
        run = playbook(inv, name, *extra)
    finally:
        prober.finish()
    return (label, size, *run, restarts(before), f"{len(prober.failures)}/{prober.requests}")


def main():
    # The peers' REST APIs are opened to this machine, over HTTPS with basic auth, for the client.
    password = secrets.token_hex(12)
    this_machine = str(next(ipaddress.ip_network(os.environ["PINFLEET_SUBNET"]).hosts()))
    settings = {
        "cluster_restapi_address": "/ip4/0.0.0.0/tcp/9094",
        "cluster_restapi_self_signed": True,
        "cluster_restapi_basic_auth": {"admin": password},
        "firewall_admin_sources": [this_machine],
        "cluster_trusted_peers": None if TRUST == "list" else [TRUST],
        # A peer that joins inside the peer network changes no firewall.
        "firewall_peer_sources": [os.environ["PINFLEET_SUBNET"]],
    }
    rows = []
    for size in SIZES:
        names, extra = hosts(size), f"scale{size + 1}"
        log(f"{size} fresh hosts, and one to add")
        remove_hosts(hosts(max(SIZES) + 1))
        addresses = fresh_hosts([*names, extra])
        # One state folder for the size's inventories: one fleet record, one lock.
        sized = {**settings, "pinfleet_state_dir": str(WORK / f"state-{size}")}
        sh("rm", "-rf", sized["pinfleet_state_dir"])
        inv = inventory(f"scale{size}", {"storage": names}, **sized)
        log(f"{size} peers: cold converge")
        rows.append((f"cold converge of {size} peers", size, *playbook(inv, "site.yml"), "", ""))
        table(rows)
        log(f"{size} peers: converge with nothing to do")
        rows.append((f"no-change converge of {size} peers", size, *playbook(inv, "site.yml"), "", ""))
        table(rows)
        running = {h: addresses[h] for h in names}
        grown = inventory(f"scale{size}-add", {"storage": [*names, extra]}, **sized)
        full = (f"add one peer to {size}", size + 1)
        limited = (f"add one peer to {size}, --limit", 1, "--limit", extra)
        # A limited run cannot tell the running peers' trust lists of a new peer.
        first, *later = [full] if TRUST == "list" else [limited, full]
        log(f"{size} peers: {first[0]}")
        rows.append(measured(*first[:2], grown, "site.yml", *first[2:], running=running, password=password))
        table(rows)
        log("removing it again")
        shrunk = inventory(f"scale{size}-remove", {"storage": names, "decommission": [extra]}, **sized)
        rows.append(measured(f"remove one peer of {size + 1}", size + 1, shrunk, "remove.yml", running=running,
                             password=password))
        table(rows)
        for parts in sorted({min(2, size), min(4, size)}):
            log(f"{size} peers: converge with nothing to do, in {parts} slices")
            rows.append((f"  the same in {parts} slices", size,
                         *playbook(inv, "site.yml", "-e", f"pinfleet_run_id=slices-{parts}",
                                   slices=[",".join(names[i::parts]) for i in range(parts)]), "", ""))
            table(rows)
        for add in later:
            log(f"{size} peers: {add[0]}")
            rows.append(measured(*add[:2], grown, "site.yml", *add[2:], running=running, password=password))
            table(rows)
    remove_hosts(hosts(max(SIZES) + 1))
    print(table(rows), end="")


def table(rows: list[tuple]) -> str:
    """The rows as a table, also written to the bench folder, so a run cut short keeps what it measured."""
    lines = [f"crdt, trusted peers: {'a list of the peer IDs' if TRUST == 'list' else json.dumps([TRUST])}",
             f"{'operation':<32} {'hosts':>5} {'seconds':>8} {'changed':>8} {'controller CPU s':>17}"
             f" {'hosts CPU s':>12} {'cores busy':>11} {'restarts':>9} {'failed requests':>16}"]
    lines += [f"{op:<32} {n:>5} {took:>8.1f} {changed:>8} {cpu:>17.1f} {hosts_cpu:>12.1f}"
              f" {(cpu + hosts_cpu) / took:>11.2f} {restarted:>9} {failed:>16}"
              for op, n, took, changed, cpu, hosts_cpu, restarted, failed in rows]
    lines.append(f"(this machine has {os.cpu_count()} cores; restarts: of the running peers' daemons;"
                 " failed requests: of all the client made)")
    text = "\n".join(lines) + "\n"
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / f"scale{'-list' if TRUST == 'list' else ''}.txt").write_text(text)
    return text


if __name__ == "__main__":
    main()

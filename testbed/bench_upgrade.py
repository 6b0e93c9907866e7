"""The upgrade benchmark (run through testbed/bench-upgrade.sh, which sets up the test bed).

For each strategy: three fresh hosts at the older versions with some pins, the
REST API exposed over HTTPS, a prober on this machine asking every peer's
/id four times a second, and playbooks/upgrade.yml to the newer versions.
"""

from __future__ import annotations

import base64
import json
import ssl
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchlib import WORK, fresh_hosts, inventory, log, playbook, remove_hosts, sh, version

HOSTS = ["bench1", "bench2", "bench3"]
PINS = 10


class Prober(threading.Thread):
    def __init__(self, addresses: dict[str, str]):
        super().__init__(daemon=True)
        self.addresses, self.samples, self.done = addresses, [], threading.Event()
        self.context = ssl.create_default_context()
        self.context.check_hostname, self.context.verify_mode = False, ssl.CERT_NONE
        self.auth = "Basic " + base64.b64encode(b"bench:bench-password").decode()

    def ask(self, address: str) -> bool:
        request = urllib.request.Request(f"https://{address}:9094/id", headers={"Authorization": self.auth})
        try:
            with urllib.request.urlopen(request, timeout=1, context=self.context) as response:
                return response.status == 200
        except OSError:
            return False

    def run(self):
        with ThreadPoolExecutor(len(self.addresses)) as pool:
            while not self.done.is_set():
                self.samples.append((time.monotonic(), sum(pool.map(self.ask, self.addresses.values()))))
                time.sleep(0.25)

    def figures(self) -> dict[str, float]:
        none_up = some_down = 0.0
        for (t0, up), (t1, _next_up) in zip(self.samples, self.samples[1:], strict=False):
            none_up += (t1 - t0) if up == 0 else 0
            some_down += (t1 - t0) if up < len(self.addresses) else 0
        return {"unavailable": none_up, "degraded": some_down, "min_up": min(up for _t, up in self.samples)}


def bench(strategy: str, inv: Path) -> dict:
    log(f"{strategy}: three fresh hosts at kubo {version('pinfleet_test_kubo_old_version')}, "
        f"ipfs-cluster {version('pinfleet_test_cluster_old_version')}")
    addresses = fresh_hosts(HOSTS)
    old = ["-e", f"kubo_version={version('pinfleet_test_kubo_old_version')} "
                 f"cluster_version={version('pinfleet_test_cluster_old_version')}"]
    playbook(inv, "site.yml", *old)
    ctl = ["podman", "exec", "pinfleet-bench1", "ipfs-cluster-ctl", "--https", "--no-check-certificate",
           "--basic-auth", "bench:bench-password"]
    for i in range(PINS):
        sh("podman", "exec", "pinfleet-bench1", "sh", "-c", f"head -c 65536 /dev/urandom > /tmp/pin{i}")
        sh(*ctl, "add", "-Q", f"/tmp/pin{i}")
    prober = Prober(addresses)
    prober.start()
    time.sleep(2)
    log(f"{strategy}: upgrading")
    total = playbook(inv, "upgrade.yml", "-e", f"kubo_version={version('pinfleet_test_kubo_version')} "
                     f"cluster_version={version('pinfleet_test_cluster_version')} upgrade_strategy={strategy}").seconds
    time.sleep(2)
    prober.done.set()
    prober.join()
    summary = json.loads(sorted((WORK / "upgrades").glob("*/summary.json"))[-1].read_text())
    down = [h["down_seconds"] for h in summary["hosts"]]
    return {"strategy": strategy, "total": total, **prober.figures(), "peer_down_max": max(down)}


def main():
    # The REST API exposed, so this machine can probe it.
    inv = inventory("upgrade", {"storage": HOSTS}, cluster_restapi_address="/ip4/0.0.0.0/tcp/9094",
                    cluster_restapi_self_signed=True, cluster_restapi_basic_auth={"bench": "bench-password"},
                    firewall_admin_sources=["10.89.0.1"], upgrade_controller_dir=str(WORK / "upgrades"))
    rows = [bench(strategy, inv) for strategy in ("stop_all", "rolling")]
    remove_hosts(HOSTS)
    lines = [
        f"upgrade of 3 peers, kubo {version('pinfleet_test_kubo_old_version')}"
        f" -> {version('pinfleet_test_kubo_version')}, "
        f"ipfs-cluster {version('pinfleet_test_cluster_old_version')} -> {version('pinfleet_test_cluster_version')}, "
        f"{PINS} pins",
        f"{'strategy':<10} {'total (s)':>10} {'API unavailable (s)':>20} {'API degraded (s)':>17} "
        f"{'fewest peers answering':>23} {'longest peer downtime (s)':>26}",
    ]
    lines += [f"{r['strategy']:<10} {r['total']:>10.1f} {r['unavailable']:>20.1f} {r['degraded']:>17.1f} "
              f"{r['min_up']:>23} {r['peer_down_max']:>26}" for r in rows]
    text = "\n".join(lines) + "\n"
    (WORK / "upgrade.txt").write_text(text)
    print(text, end="")


if __name__ == "__main__":
    main()

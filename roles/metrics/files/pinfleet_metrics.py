# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""pinfleet-metrics: serves a peer's Prometheus metrics to the monitor, and nothing else.

Installed by the role pinfleet.ipfs.metrics as pinfleet-metrics.service, run as
the daemons' user: python3 pinfleet_metrics.py /etc/pinfleet/metrics.json.
kubo's RPC API (which controls the node) and ipfs-cluster's metrics endpoint
(which also serves profiles and debug pages) stay on loopback; this listens
where the monitor scrapes and answers two paths only, read-only:

  /metrics/kubo     kubo's /debug/metrics/prometheus, plus pinfleet_kubo_repo_size_bytes
                    and pinfleet_kubo_repo_storage_max_bytes (repo/stat --size-only)
  /metrics/cluster  ipfs-cluster's /metrics, plus pinfleet_cluster_peers (the peers this
                    peer sees, itself included: GET /id of its REST API) and
                    pinfleet_cluster_info{version="..."} 1

A path whose daemon does not answer fails with 502, so Prometheus counts that
target down; every other path or method is refused.
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
import sys
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TIMEOUT = 10
TEXT = "text/plain; version=0.0.4; charset=utf-8"


def fetch(url: str, method: str = "GET", headers: dict | None = None, insecure: bool = False) -> bytes:
    context = None
    if insecure:  # the REST API's self-signed certificate (cluster_restapi_self_signed)
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    request = urllib.request.Request(url, method=method, headers=headers or {})
    with urllib.request.urlopen(request, timeout=TIMEOUT, context=context) as response:
        return response.read()


def gauge(name: str, help_text: str, value: float, labels: dict | None = None) -> bytes:
    tags = ",".join(f'{k}="{v}"' for k, v in (labels or {}).items())
    return f"# HELP {name} {help_text}\n# TYPE {name} gauge\n{name}{{{tags}}} {value}\n".encode()


def kubo(config: dict) -> bytes:
    api = config["api"].rstrip("/")
    stat = json.loads(fetch(api + "/api/v0/repo/stat?size-only=true", method="POST"))
    return (fetch(api + "/debug/metrics/prometheus").rstrip(b"\n") + b"\n"
            + gauge("pinfleet_kubo_repo_size_bytes", "Size of the kubo repository.", stat["RepoSize"])
            + gauge("pinfleet_kubo_repo_storage_max_bytes", "kubo's Datastore.StorageMax.", stat["StorageMax"]))


def cluster(config: dict) -> bytes:
    headers = {}
    with open(config["service"]) as handle:  # read at each scrape: the role may change the credentials
        credentials = ((json.load(handle).get("api") or {}).get("restapi") or {}).get("basic_auth_credentials")
    if credentials:
        user, password = next(iter(credentials.items()))
        headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    peer = json.loads(fetch(config["api"].rstrip("/") + "/id", headers=headers, insecure=not config["validate_certs"]))
    version = str(peer["version"]).split("+", maxsplit=1)[0].replace('"', "")
    return (fetch(config["metrics"]).rstrip(b"\n") + b"\n"
            + gauge("pinfleet_cluster_peers", "Cluster peers this peer sees, itself included.",
                    len(peer.get("cluster_peers") or []))
            + gauge("pinfleet_cluster_info", "The cluster peer's version.", 1, {"version": version}))


ROUTES = {"/metrics/kubo": ("kubo", kubo), "/metrics/cluster": ("cluster", cluster)}


class Handler(BaseHTTPRequestHandler):
    server_version = "pinfleet-metrics"
    sys_version = ""

    def do_GET(self):
        route = ROUTES.get(self.path.split("?")[0])
        if route is None or route[0] not in self.server.config:
            served = " ".join(path for path, (name, _read) in ROUTES.items() if name in self.server.config)
            self.answer(404, f"pinfleet-metrics serves {served}\n".encode())
            return
        name, read = route
        try:
            body = read(self.server.config[name])
        except (OSError, ValueError, KeyError) as exc:
            self.log_error("%s metrics: %s", name, exc)
            self.answer(502, f"the {name} daemon does not answer: {exc}\n".encode())
            return
        self.answer(200, body, TEXT)

    def answer(self, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_request(self, code="-", size="-"):
        """Errors only (log_error): a scrape every few seconds is no news."""


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, config: dict):
        self.config = config
        host = config["listen"]["address"]
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, int(config["listen"]["port"])), Handler)


def main():
    with open(sys.argv[1]) as handle:
        config = json.load(handle)
    Server(config).serve_forever()


if __name__ == "__main__":
    main()

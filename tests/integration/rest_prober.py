"""A client of the cluster's REST API that keeps pinning and reading while the network changes.

Used by the scenarios and by the scale benchmark (testbed/bench_scale.py), from
the test bed's host, which the peers' firewalls let reach their REST APIs.
"""

from __future__ import annotations

import base64
import json
import secrets
import ssl
import threading
import time
import urllib.error
import urllib.request
from itertools import cycle


class RestProber(threading.Thread):
    """Every interval seconds, in turn through each REST API: adds and pins new content, reads its pin back.

    Every request that fails (an error status, no answer within its timeout,
    an answer without the pin) is recorded in failures; the pins made, in cids.
    A raft follower knows of a pin once it has applied the leader's commit,
    a heartbeat or so after the add returns: until then it answers 404, so
    the read is asked again for up to STALE seconds before it counts as failed.
    """

    STALE = 10

    def __init__(self, urls: list[str], user: str = "", password: str = "", timeout: float = 30,
                 interval: float = 1):
        super().__init__(daemon=True)
        self.urls, self.timeout, self.interval = urls, timeout, interval
        self.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode() if user else ""
        # The peers' certificates are self-signed for their own hosts.
        self.context = ssl.create_default_context()
        self.context.check_hostname = False
        self.context.verify_mode = ssl.CERT_NONE
        self.stop = threading.Event()
        self.requests = 0
        self.failures: list[str] = []
        self.cids: list[str] = []

    def call(self, url: str, method: str = "GET", data: bytes | None = None, kind: str = "") -> str:
        request = urllib.request.Request(url, data=data, method=method)
        if self.auth:
            request.add_header("Authorization", self.auth)
        if kind:
            request.add_header("Content-Type", kind)
        with urllib.request.urlopen(request, timeout=self.timeout, context=self.context) as response:
            return response.read().decode()

    def probe(self, base: str) -> None:
        boundary = secrets.token_hex(8)
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"probe\"\r\n"
                f"Content-Type: application/octet-stream\r\n\r\nprobe {secrets.token_hex(16)}\r\n"
                f"--{boundary}--\r\n").encode()
        stamp = time.strftime("%H:%M:%S")
        try:
            self.requests += 1
            added = self.call(f"{base}/add?name=probe", "POST", body, f"multipart/form-data; boundary={boundary}")
            cid = json.loads(added.strip().splitlines()[-1])["cid"]
            self.cids.append(cid)
            self.requests += 1
            pin = self.read(f"{base}/allocations/{cid}")
            if pin.get("cid") != cid:
                raise ValueError(f"GET /allocations/{cid} answered {pin}")
        except (OSError, ValueError, KeyError, IndexError) as exc:
            self.failures.append(f"{stamp} {base}: {exc}")

    def read(self, url: str) -> dict:
        deadline = time.monotonic() + self.STALE
        while True:
            try:
                return json.loads(self.call(url))
            except urllib.error.HTTPError as exc:
                if exc.code != 404 or time.monotonic() > deadline:
                    raise
            time.sleep(0.5)

    def run(self):
        for base in cycle(self.urls):
            if self.stop.is_set():
                return
            self.probe(base.rstrip("/"))
            self.stop.wait(self.interval)

    def finish(self) -> RestProber:
        self.stop.set()
        self.join()
        return self

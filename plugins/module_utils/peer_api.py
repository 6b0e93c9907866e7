"""Talking to a peer's local APIs: kubo's RPC API and the cluster's REST API."""

from __future__ import annotations

import base64
import json
import ssl
import urllib.request

# The options every module that reaches the REST API takes.
REST_API_OPTIONS = {
    "cluster_api": {"type": "str", "default": "http://127.0.0.1:9094"},
    "cluster_api_user": {"type": "str"},
    "cluster_api_password": {"type": "str", "no_log": True},
    "validate_certs": {"type": "bool", "default": True},
}


class PeerApi:
    """HTTP(S) with the REST API's basic auth; a self-signed certificate when validate_certs is off."""

    def __init__(self, params):
        self.p = params
        self.context = None
        if not params["validate_certs"]:
            self.context = ssl.create_default_context()
            self.context.check_hostname = False
            self.context.verify_mode = ssl.CERT_NONE

    def request(self, url: str, method: str = "GET", auth: bool = False, timeout: float = 30) -> str:
        request = urllib.request.Request(url, method=method)
        if auth and self.p["cluster_api_user"]:
            token = f'{self.p["cluster_api_user"]}:{self.p["cluster_api_password"] or ""}'
            request.add_header("Authorization", "Basic " + base64.b64encode(token.encode()).decode())
        with urllib.request.urlopen(request, timeout=timeout, context=self.context) as response:
            return response.read().decode()

    def rest(self, path: str, method: str = "GET", timeout: float = 30) -> str:
        """Call the cluster REST API at path (/id, /peers, ...)."""
        return self.request(self.p["cluster_api"].rstrip("/") + path, method, auth=True, timeout=timeout)


def ndjson(text: str) -> list[dict]:
    """The objects of a streamed REST API answer, one JSON document per line."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]

# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Talking to a peer's local APIs: kubo's RPC API and the cluster's REST API."""

from __future__ import annotations

import errno
import json
import os

from ansible.module_utils.urls import open_url

# The options every module that reaches the REST API takes.
REST_API_OPTIONS = {
    "cluster_api": {"type": "str", "default": "http://127.0.0.1:9094"},
    "cluster_api_user": {"type": "str"},
    "cluster_api_password": {"type": "str", "no_log": True},
    "validate_certs": {"type": "bool", "default": True},
    "ca_path": {"type": "path"},
    "cluster_config": {"type": "path"},
}


def config_credentials(path: str) -> tuple[str, str] | None:
    """The first basic auth user and password of a peer's service.json, or None when it has none.

    So a play can reach a peer's REST API with the credentials the peer itself
    holds, and none pass through its variables, facts or environment.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            service = json.load(handle)
    except (OSError, ValueError):
        return None
    credentials = ((service.get("api") or {}).get("restapi") or {}).get("basic_auth_credentials") or {}
    return next(iter(credentials.items()), None)


class PeerApi:
    """HTTP(S) with the REST API's basic auth, through Ansible's open_url.

    An HTTPS certificate is checked against ca_path when it is set (a private
    CA or a self-signed certificate), against the system's CAs otherwise, and
    not at all when validate_certs is off. Failures raise what urllib raises:
    urllib.error.HTTPError for an HTTP error status, urllib.error.URLError
    when the API cannot be reached or its certificate is refused; and
    FileNotFoundError for a ca_path that is not a file: all of them OSError.
    """

    def __init__(self, params):
        self.p = dict(params)
        if self.p.get("cluster_config") and not self.p.get("cluster_api_user"):
            user, password = config_credentials(self.p["cluster_config"]) or (None, None)
            self.p.update(cluster_api_user=user, cluster_api_password=password)

    def request(self, url: str, method: str = "GET", auth: bool = False, timeout: float = 30,
                body: dict | None = None) -> str:
        """The answer's text; body, when given, is sent as JSON."""
        user = self.p["cluster_api_user"] if auth else None
        # The CA file matters to an HTTPS URL whose certificate is checked, and is read for no other.
        ca_path = self.p.get("ca_path") if self.p["validate_certs"] and url.lower().startswith("https:") else None
        if ca_path and not os.path.isfile(ca_path):
            raise FileNotFoundError(errno.ENOENT, "ca_path is not a file", ca_path)
        with open_url(
            url,
            method=method,
            timeout=timeout,
            data=json.dumps(body) if body is not None else None,
            headers={"Content-Type": "application/json"} if body is not None else None,
            validate_certs=self.p["validate_certs"],
            ca_path=ca_path,
            url_username=user or None,
            url_password=(self.p["cluster_api_password"] or "") if user else None,
            # The credentials go with the first request, as the REST API asks
            # for no challenge; and only the ones given: none from ~/.netrc.
            force_basic_auth=True,
            use_netrc=False,
        ) as response:
            return response.read().decode()

    def rest(self, path: str, method: str = "GET", timeout: float = 30, body: dict | None = None) -> str:
        """Call the cluster REST API at path (/id, /peers, ...)."""
        return self.request(self.p["cluster_api"].rstrip("/") + path, method, auth=True, timeout=timeout, body=body)


def ndjson(text: str) -> list[dict]:
    """The objects of a streamed REST API answer, one JSON document per line."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]

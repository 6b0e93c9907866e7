"""The options of the modules that reach a cluster peer's REST API."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  cluster_api:
    description: URL of the cluster peer's REST API.
    type: str
    default: http://127.0.0.1:9094
  cluster_api_user:
    description: Basic auth user of the REST API, when it has one.
    type: str
  cluster_api_password:
    description: Basic auth password of the REST API.
    type: str
  validate_certs:
    description: Check the REST API's certificate (turn off for a self-signed pair).
    type: bool
    default: true
"""

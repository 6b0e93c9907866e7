# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""The options of the modules that reach a cluster peer's REST API."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  cluster_api:
    description:
      - URL of the cluster peer's REST API, C(http://) or C(https://).
    type: str
    default: http://127.0.0.1:9094
  cluster_api_user:
    description:
      - Basic auth user of the REST API, when it has one.
      - Without it, requests carry no credentials.
    type: str
  cluster_api_password:
    description:
      - Basic auth password of O(cluster_api_user).
    type: str
  validate_certs:
    description:
      - Check the certificate of an C(https://) REST API. Turn it off only
        where the certificate cannot be checked, such as a self-signed one
        that does not name the host of O(cluster_api).
    type: bool
    default: true
  ca_path:
    description:
      - A PEM file of the CA certificates to check the REST API's certificate
        against, instead of the system's - the private CA that signed it, or
        the self-signed certificate itself.
      - A path on the managed host, where the module runs.
      - The certificate must still name the host of O(cluster_api).
      - Read only for an C(https://) O(cluster_api) and when O(validate_certs) is on.
    type: path
    version_added: 0.3.0
  cluster_config:
    description:
      - The peer's C(service.json) on the managed host. Without O(cluster_api_user),
        the requests carry the first basic auth user and password it holds, if any,
        so the credentials need not pass through the play.
    type: path
    version_added: 0.4.0
"""

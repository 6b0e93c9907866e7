# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""The filter of playbooks/diagnose.yml: every peer's gathered facts in, findings with causes and fixes out."""

from __future__ import annotations

from ansible_collections.pinfleet.ipfs.plugins.module_utils.diagnosis import analyse

_JOBS = ("pinfleet-kubo", "pinfleet-cluster")


def monitor_view(result: dict) -> dict:
    """A registered ansible.builtin.uri result of GET <prometheus>/api/v1/targets -> {'targets': pinfleet's
    active targets}, or {'error': why asking failed}."""
    try:
        targets = result["json"]["data"]["activeTargets"]
    except (KeyError, TypeError):
        return {"error": str(result.get("msg") or "no answer")}
    return {"targets": [t for t in targets if (t.get("labels") or {}).get("job") in _JOBS]}


def diagnosis_findings(reports: dict, monitors: dict | None = None) -> dict:
    """{host: peer_diagnosis_info result, or an unreachable/failed result} -> {host: [finding, ...]};
    monitors: {Prometheus host: its registered uri result of /api/v1/targets}."""
    return analyse({host: dict(result) for host, result in reports.items()},
                   {host: monitor_view(dict(result)) for host, result in (monitors or {}).items()})


def diagnosis_line(finding: dict) -> str:
    """One finding as one line of the summary."""
    cause = f" Cause: {finding['cause']}." if finding.get("cause") else ""
    return f"{finding['check']}: {finding['problem']}.{cause} Fix: {finding['fix']}."


class FilterModule:
    def filters(self):
        return {"diagnosis_findings": diagnosis_findings, "diagnosis_line": diagnosis_line}

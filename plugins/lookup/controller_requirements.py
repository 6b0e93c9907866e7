# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""What the controller's Python lacks of the collection's requirements.txt."""

from __future__ import annotations

DOCUMENTATION = r"""
name: controller_requirements
version_added: 0.4.0
short_description: The Python libraries pinfleet needs on the controller that are missing or out of range
description:
  - Checks each line of the collection's C(requirements.txt) against the Python that runs
    C(ansible-playbook), where the collection's filters, and the C(ansible.utils) address filters
    it uses (which need netaddr), run. ansible-core itself is the one running, and C(requires_ansible)
    checks its version.
  - Returns a dictionary, C(problems) (one sentence per requirement not met, none when all are),
    C(python) (that Python's path) and C(requirements) (the file's path), for a check that names
    the command that installs what is missing.
author: pinfleet developers (@pinfleet)
"""

EXAMPLES = r"""
- name: Check that the controller has what pinfleet needs
  ansible.builtin.assert:
    that: _controller.problems | length == 0
    fail_msg: >-
      {{ _controller.problems | join('; ') }}: {{ _controller.python }} -m pip install -r {{ _controller.requirements }}
  vars:
    _controller: "{{ lookup('pinfleet.ipfs.controller_requirements') }}"
"""

RETURN = r"""
_raw:
  description: One dictionary with keys C(problems), C(python) and C(requirements).
  type: list
  elements: dict
"""

import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ansible.plugins.lookup import LookupBase

try:
    from packaging.requirements import Requirement  # a dependency of ansible-core
except ImportError:  # only where ansible-core is not installed, as in ansible-test's import check
    Requirement = None

REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements.txt"


def problems(lines: list[str], installed=version) -> list[str]:
    """One sentence per requirement line that the installed distributions do not meet."""
    found = []
    for line in lines:
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        wanted = Requirement(text)
        if wanted.name == "ansible-core":
            continue  # the one running, whose version meta/runtime.yml's requires_ansible checks
        try:
            have = installed(wanted.name)
        except PackageNotFoundError:
            found.append(f"{wanted.name} is not installed (pinfleet needs {wanted})")
            continue
        if not wanted.specifier.contains(have, prereleases=True):
            found.append(f"{wanted.name} {have} is installed, pinfleet needs {wanted}")
    return found


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        return [{"problems": problems(REQUIREMENTS.read_text().splitlines()), "python": sys.executable,
                 "requirements": str(REQUIREMENTS)}]

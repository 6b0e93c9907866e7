# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Writes the fleet record on the controller: the hosts' entries, or their removal."""

from __future__ import annotations

from ansible.plugins.action import ActionBase
from ansible_collections.pinfleet.ipfs.plugins.module_utils import fleet_record

ARGUMENTS = {
    "path": {"type": "path", "required": True},
    "entries": {"type": "list", "elements": "dict", "default": []},
    "forget": {"type": "list", "elements": "str", "default": []},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(ARGUMENTS)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self.validate_argument_spec(argument_spec=ARGUMENTS)[1]
        try:
            written = [] if self._task.check_mode else fleet_record.write(args["path"], args["entries"])
            forgotten = [] if self._task.check_mode else fleet_record.forget(args["path"], args["forget"])
        except (OSError, ValueError, KeyError) as exc:
            result.update(failed=True, msg=f"the fleet record in {args['path']} cannot be written: {exc}")
            return result
        # Bookkeeping of the controller, like the run's summary: the network does not change.
        result.update(changed=False, written=written, forgotten=forgotten)
        return result

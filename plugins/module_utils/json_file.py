# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Reading the JSON files kubo and ipfs-cluster keep, with failures that name the fix."""

from __future__ import annotations

import json


def load_json(module, path: str, missing_fix: str):
    """Parse the JSON file at path, or fail the module saying what to do."""
    try:
        with open(path) as handle:
            return json.load(handle)
    except FileNotFoundError:
        module.fail_json(msg=f"{path} does not exist: {missing_fix}")
    except ValueError as exc:
        module.fail_json(msg=f"{path} is not valid JSON ({exc}): restore it from a backup")
    return None

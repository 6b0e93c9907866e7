# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""The JSON configs kubo and ipfs-cluster keep (kubo's config, service.json): read with failures that name the
fix, edited by dotted key or rendered from a version's defaults with the changed keys, written back atomically."""

from __future__ import annotations

import json
import os
import tempfile

MISSING = object()


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


def get_key(config, dotted):
    node = config
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return MISSING
        node = node[part]
    return node


def set_key(config, dotted, value):
    parts = dotted.split(".")
    node = config
    for part in parts[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[parts[-1]] = value


def apply_settings(config, settings):
    """Set each key in config; return {key: (before, after)} for the changed ones."""
    changes = {}
    for key, value in settings.items():
        before = get_key(config, key)
        if before != value:
            set_key(config, key, value)
            changes[key] = (None if before is MISSING else before, value)
    return changes


def flatten(config, prefix=""):
    """{'A': {'B': 1}} -> {'A.B': 1}: every leaf by its dotted key (a list or an empty object is a leaf)."""
    leaves = {}
    for key, value in config.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            leaves.update(flatten(value, dotted + "."))
        else:
            leaves[dotted] = value
    return leaves


def merge(config, settings):
    """Merge the nested settings into config, objects key by key, any other value replacing (a list too)."""
    for key, value in settings.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            merge(config[key], value)
        else:
            config[key] = json.loads(json.dumps(value))
    return config


def changed_keys(current, config) -> dict:
    """{dotted key: (before, after)} of the leaves that differ between two configs."""
    before, after = flatten(current), flatten(config)
    return {key: (before.get(key), after.get(key)) for key in sorted(set(before) | set(after))
            if before.get(key, MISSING) != after.get(key, MISSING)}


def diff(path, changes, shown=lambda key, value: value) -> dict:
    """A module's diff of the changed keys (changed_keys), each value as shown(key, value) gives it."""
    return {"before_header": path, "after_header": path,
            "before": json.dumps({k: shown(k, v[0]) for k, v in sorted(changes.items())}, indent=2) + "\n",
            "after": json.dumps({k: shown(k, v[1]) for k, v in sorted(changes.items())}, indent=2) + "\n"}


def render(defaults, current, settings, keep):
    """The config rendered from a version's defaults: the top-level sections in keep taken from
    current (what the daemon owns), then the settings by dotted key. Returns it and its changed keys."""
    config = json.loads(json.dumps(defaults))
    for section in keep:
        if section in current:
            config[section] = json.loads(json.dumps(current[section]))
        else:
            config.pop(section, None)
    apply_settings(config, settings)
    return config, changed_keys(current, config)


def render_nested(defaults, current, settings, keep):
    """The same for a config whose settings are nested objects (service.json): the dotted keys in keep taken
    from current, then the settings merged in. Returns it and its changed keys."""
    config = json.loads(json.dumps(defaults))
    for key in keep:
        value = get_key(current, key)
        if value is not MISSING:
            set_key(config, key, json.loads(json.dumps(value)))
    merge(config, settings)
    return config, changed_keys(current, config)


def write_atomic(path, config, like=None, mode=None):
    """Write config to path as JSON, in one step, with the owner and mode of like (by default, path's own),
    or the mode given."""
    st = os.stat(like or path)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".config.")
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(config, handle, indent=2)
            handle.write("\n")
        os.chmod(tmp, st.st_mode & 0o7777 if mode is None else mode)
        os.chown(tmp, st.st_uid, st.st_gid)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise

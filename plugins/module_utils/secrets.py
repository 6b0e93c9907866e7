# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""The network's two secrets, the swarm key and the cluster secret: each checked, normalised and digested one way.

Validation, the comparison across peers, the files written on the hosts and
the diagnosis all go through these, so a spelling an operator may produce
(surrounding whitespace, a trailing newline, upper case, CRLF line endings)
is the same secret everywhere, and anything else is refused with the fix.
"""

from __future__ import annotations

import hashlib
import re

_SWARM_KEY_HEADER = "/key/swarm/psk/1.0.0/"
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_SWARM_KEY_HELP = (
    "A swarm key is three lines: '/key/swarm/psk/1.0.0/', '/base16/' and 64 hex "
    "characters (32 random bytes). Generate one with: printf '/key/swarm/psk/1.0.0/\\n"
    "/base16/\\n%s\\n' \"$(openssl rand -hex 32)\""
)
_CLUSTER_SECRET_HELP = "Generate one with: openssl rand -hex 32 (the same on every peer; keep it in a vault)."
# The sha256 of secrets that everyone has, in their canonical form: those of
# the example inventory, whose vault password is in the README.
_PUBLISHED = {
    "002245449aca2b7a4508055b8f59bcb1c155bf25c2df0d884f6cda95955ec6ab": "the example inventory's swarm key",
    "7155ad81fea3894538998aed7cb15aaefa2041db72f2890e0d1f592504f6d53f": "the example inventory's cluster secret",
}


def _published(canonical: str, help_text: str) -> str:
    """The refusal of a secret that was published, or ''."""
    name = _PUBLISHED.get(hashlib.sha256(canonical.encode()).hexdigest())
    return f"{name}, published with pinfleet: anyone could join the network. {help_text}" if name else ""


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.strip().splitlines()]


def swarm_key_problem(key) -> str:
    """What is wrong with a swarm.key text, or '' when it is valid. The message never quotes the key."""
    if key is None or not str(key).strip():
        return "kubo_swarm_key is empty. " + _SWARM_KEY_HELP
    text = str(key)
    if text.startswith("\ufeff"):
        return ("kubo_swarm_key starts with a byte-order mark: save it as plain ASCII "
                "(UTF-16 or 'UTF-8 with BOM' editors add one). " + _SWARM_KEY_HELP)
    if not text.isascii():
        return "kubo_swarm_key holds non-ASCII characters: save it as plain ASCII. " + _SWARM_KEY_HELP
    lines = _lines(text)
    if lines[0] != _SWARM_KEY_HEADER:
        return f"kubo_swarm_key line 1 must be exactly '{_SWARM_KEY_HEADER}'. " + _SWARM_KEY_HELP
    if len(lines) != 3:
        return f"kubo_swarm_key must have 3 lines, it has {len(lines)}. " + _SWARM_KEY_HELP
    if lines[1] != "/base16/":
        return "kubo_swarm_key line 2 must be '/base16/'. " + _SWARM_KEY_HELP
    if len(lines[2]) != 64:
        return f"kubo_swarm_key line 3 must be 64 hex characters, it has {len(lines[2])}. " + _SWARM_KEY_HELP
    if not _HEX64.fullmatch(lines[2]):
        return "kubo_swarm_key line 3 holds characters that are not hex (0-9, a-f). " + _SWARM_KEY_HELP
    published = _published("\n".join([*lines[:2], lines[2].lower()]) + "\n", _SWARM_KEY_HELP)
    return f"kubo_swarm_key is {published}" if published else ""


def swarm_key_text(key) -> str:
    """A valid swarm key in the file's canonical form; ValueError, naming the fix, for any other."""
    problem = swarm_key_problem(key)
    if problem:
        raise ValueError(problem)
    lines = _lines(str(key))
    return "\n".join([*lines[:2], lines[2].lower()]) + "\n"


def cluster_secret_problem(secret) -> str:
    """What is wrong with a cluster secret, or '' when it is valid. The message never quotes the secret."""
    if secret is None or not str(secret).strip():
        return "cluster_secret is empty: the cluster swarm would be open to anyone. " + _CLUSTER_SECRET_HELP
    text = str(secret).strip()
    if len(text) != 64:
        return f"cluster_secret must be 64 hex characters (32 bytes), it has {len(text)}. " + _CLUSTER_SECRET_HELP
    if not _HEX64.fullmatch(text):
        return "cluster_secret holds characters that are not hex (0-9, a-f). " + _CLUSTER_SECRET_HELP
    published = _published(text.lower(), _CLUSTER_SECRET_HELP)
    return f"cluster_secret is {published}" if published else ""


def cluster_secret_text(secret) -> str:
    """A valid cluster secret as service.json holds it, 64 lowercase hex characters; ValueError for any other."""
    problem = cluster_secret_problem(secret)
    if problem:
        raise ValueError(problem)
    return str(secret).strip().lower()


def digest(text: str) -> str:
    """A short digest of a normalised secret: tells equal secrets from different ones and gives nothing away."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def swarm_key_digest(key) -> str:
    """The digest of a swarm key as the hosts hold it; of the raw text when it is not a valid key."""
    try:
        return digest(swarm_key_text(key))
    except ValueError:
        return digest(str(key or ""))


def cluster_secret_digest(secret) -> str:
    """The digest of a cluster secret as service.json holds it; of the raw text when it is not a valid secret."""
    try:
        return digest(cluster_secret_text(secret))
    except ValueError:
        return digest(str(secret or ""))

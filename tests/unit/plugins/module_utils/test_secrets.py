"""The two secrets: every spelling an operator may produce is one value everywhere, or refused with the fix."""

import pytest
from ansible_collections.pinfleet.ipfs.plugins.module_utils import secrets

HEX = "0123456789abcdef" * 4
KEY = f"/key/swarm/psk/1.0.0/\n/base16/\n{HEX}\n"

# What an operator's tools leave around a secret: vault's encrypt_string of a
# piped value, a Windows editor, a paste, caps lock.
SPELLINGS = {
    "as generated": lambda s: s,
    "trailing newline": lambda s: s + "\n",
    "no trailing newline": lambda s: s.rstrip("\n"),
    "surrounding whitespace": lambda s: "  " + s + " \t\n",
    "CRLF line endings": lambda s: s.replace("\n", "\r\n") + "\r\n",
    "upper case": lambda s: s.upper(),
}


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_every_spelling_of_the_cluster_secret_is_the_same_secret(spelling):
    secret = SPELLINGS[spelling](HEX)
    assert secrets.cluster_secret_problem(secret) == ""
    assert secrets.cluster_secret_text(secret) == HEX
    assert secrets.cluster_secret_digest(secret) == secrets.cluster_secret_digest(HEX)


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_every_spelling_of_the_swarm_key_is_the_same_key(spelling):
    key = SPELLINGS[spelling](KEY)
    if spelling == "upper case":
        # The header lines are not hex: upper case there is another text.
        assert "line 1 must be exactly" in secrets.swarm_key_problem(key)
        key = KEY.replace(HEX, HEX.upper())
    assert secrets.swarm_key_problem(key) == ""
    assert secrets.swarm_key_text(key) == KEY
    assert secrets.swarm_key_digest(key) == secrets.swarm_key_digest(KEY)


def test_the_digests_tell_different_secrets_apart_and_give_nothing_away():
    other = "f" * 64
    assert secrets.cluster_secret_digest(HEX) != secrets.cluster_secret_digest(other)
    assert secrets.swarm_key_digest(KEY) != secrets.swarm_key_digest(KEY.replace(HEX, other))
    assert HEX not in secrets.cluster_secret_digest(HEX) and len(secrets.cluster_secret_digest(HEX)) == 16
    # An invalid secret on a host still gets a digest, which matches no valid one.
    assert secrets.cluster_secret_digest("x") != secrets.cluster_secret_digest(HEX)


@pytest.mark.parametrize(("key", "problem"), [
    (None, "is empty"),
    ("   ", "is empty"),
    ("\ufeff" + KEY, "byte-order mark"),
    (KEY.replace("base16", "bäse16"), "non-ASCII"),
    (KEY.replace("1.0.0", "2.0.0"), "line 1 must be exactly"),
    (f"/key/swarm/psk/1.0.0/\n{HEX}\n", "must have 3 lines, it has 2"),
    (KEY + "extra\n", "must have 3 lines, it has 4"),
    (KEY.replace("/base16/", "/base64/"), "line 2 must be '/base16/'"),
    (KEY.replace(HEX, HEX[:62]), "64 hex characters, it has 62"),
    (KEY.replace(HEX, HEX + "00"), "64 hex characters, it has 66"),
    (KEY.replace(HEX, HEX[:63] + "g"), "not hex"),
    (KEY.replace(HEX, HEX[:32] + " " + HEX[32:]), "64 hex characters, it has 65"),
])
def test_a_malformed_swarm_key_is_refused_with_the_fix(key, problem):
    message = secrets.swarm_key_problem(key)
    assert problem in message
    assert "openssl rand -hex 32" in message
    assert HEX not in message
    with pytest.raises(ValueError, match="openssl rand"):
        secrets.swarm_key_text(key)


@pytest.mark.parametrize(("secret", "problem"), [
    (None, "is empty"),
    ("", "is empty"),
    ("\n", "is empty"),
    (HEX[:63], "64 hex characters (32 bytes), it has 63"),
    (HEX + "ab", "it has 66"),
    (HEX[:63] + "x", "not hex"),
    (HEX[:32] + "\n" + HEX[32:], "it has 65"),
    ('"' + HEX + '"', "it has 66"),
])
def test_a_malformed_cluster_secret_is_refused_with_the_fix(secret, problem):
    message = secrets.cluster_secret_problem(secret)
    assert problem in message
    assert "openssl rand -hex 32" in message
    with pytest.raises(ValueError, match="openssl rand"):
        secrets.cluster_secret_text(secret)

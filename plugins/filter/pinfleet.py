"""Pure helpers the roles' templates need: key checks and multiaddrs."""

from __future__ import annotations

import ipaddress
import re

from ansible.errors import AnsibleFilterError

_SWARM_KEY_HEADER = "/key/swarm/psk/1.0.0/"
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_SWARM_KEY_HELP = (
    "A swarm key is three lines: '/key/swarm/psk/1.0.0/', '/base16/' and 64 hex "
    "characters (32 random bytes). Generate one with: printf '/key/swarm/psk/1.0.0/\\n"
    "/base16/\\n%s\\n' \"$(openssl rand -hex 32)\""
)


def swarm_key_problem(key) -> str:
    """Return what is wrong with a swarm.key text, or '' when it is valid.

    The message never quotes the key itself, so it can be shown in logs.
    """
    if key is None or not str(key).strip():
        return "kubo_swarm_key is empty. " + _SWARM_KEY_HELP
    text = str(key)
    if text.startswith("\ufeff"):
        return ("kubo_swarm_key starts with a byte-order mark: save it as plain ASCII "
                "(UTF-16 or 'UTF-8 with BOM' editors add one). " + _SWARM_KEY_HELP)
    if not text.isascii():
        return "kubo_swarm_key holds non-ASCII characters: save it as plain ASCII. " + _SWARM_KEY_HELP
    lines = [line.rstrip("\r") for line in text.strip().split("\n")]
    if lines[0] != _SWARM_KEY_HEADER:
        return f"kubo_swarm_key line 1 must be exactly '{_SWARM_KEY_HEADER}'. " + _SWARM_KEY_HELP
    if len(lines) != 3:
        return f"kubo_swarm_key must have 3 lines, it has {len(lines)}. " + _SWARM_KEY_HELP
    if lines[1] != "/base16/":
        return "kubo_swarm_key line 2 must be '/base16/'. " + _SWARM_KEY_HELP
    if len(lines[2]) != 64:
        return (f"kubo_swarm_key line 3 must be 64 hex characters, it has {len(lines[2])}. "
                + _SWARM_KEY_HELP)
    if not _HEX64.fullmatch(lines[2]):
        return "kubo_swarm_key line 3 holds characters that are not hex (0-9, a-f). " + _SWARM_KEY_HELP
    return ""


def swarm_key_text(key) -> str:
    """Normalise a valid swarm key to the file's canonical form."""
    problem = swarm_key_problem(key)
    if problem:
        raise AnsibleFilterError(problem)
    lines = [line.rstrip("\r") for line in str(key).strip().split("\n")]
    return "\n".join([*lines[:2], lines[2].lower()]) + "\n"


def swarm_key_from_hex(hex64) -> str:
    """64 hex characters -> the text of a swarm.key file."""
    return swarm_key_text(f"{_SWARM_KEY_HEADER}\n/base16/\n{hex64}\n")


def cluster_secret_problem(secret) -> str:
    """Return what is wrong with a cluster secret, or '' when it is valid."""
    help_ = "Generate one with: openssl rand -hex 32 (the same on every peer; keep it in a vault)."
    if secret is None or not str(secret).strip():
        return "cluster_secret is empty: the cluster swarm would be open to anyone. " + help_
    text = str(secret).strip()
    if len(text) != 64:
        return f"cluster_secret must be 64 hex characters (32 bytes), it has {len(text)}. " + help_
    if not _HEX64.fullmatch(text):
        return "cluster_secret holds characters that are not hex (0-9, a-f). " + help_
    return ""


def ip_multiaddr(address, port, transport="tcp") -> str:
    """'10.0.0.1', 4001 -> '/ip4/10.0.0.1/tcp/4001'; DNS names become /dns/."""
    try:
        family = f"ip{ipaddress.ip_address(str(address)).version}"
    except ValueError:
        family = "dns"
    return f"/{family}/{address}/{transport}/{int(port)}"


def _parts(multiaddr) -> list[str]:
    """'/ip4/10.0.0.1/tcp/4001' -> ['ip4', '10.0.0.1', 'tcp', '4001']."""
    return str(multiaddr).strip("/").split("/")


def multiaddr_url(multiaddr, scheme="http") -> str:
    """'/ip4/127.0.0.1/tcp/5001' -> 'http://127.0.0.1:5001'."""
    parts = _parts(multiaddr)
    if len(parts) < 4 or parts[2] != "tcp":
        raise AnsibleFilterError(f"'{multiaddr}' is not a /ip4|ip6|dns/<host>/tcp/<port> multiaddr")
    host = f"[{parts[1]}]" if parts[0] == "ip6" else parts[1]
    return f"{scheme}://{host}:{parts[3]}"


def multiaddr_host(multiaddr) -> str:
    """'/ip4/10.0.0.1/tcp/4001' -> '10.0.0.1'."""
    parts = _parts(multiaddr)
    if len(parts) < 2 or parts[0] not in ("ip4", "ip6", "dns", "dns4", "dns6"):
        raise AnsibleFilterError(f"'{multiaddr}' does not start with /ip4, /ip6 or /dns")
    return parts[1]


def multiaddr_is_loopback(multiaddr) -> bool:
    """Whether a /ip4 or /ip6 multiaddr is on loopback (only this host can reach it)."""
    parts = _parts(multiaddr)
    if len(parts) < 2 or parts[0] not in ("ip4", "ip6"):
        return False
    try:
        return ipaddress.ip_address(parts[1]).is_loopback
    except ValueError:
        return False


def p2p_addrs(peers) -> list:
    """Peering entries [{'ID':..., 'Addrs':[...]}] -> ['<addr>/p2p/<ID>', ...]."""
    return [f"{addr}/p2p/{peer['ID']}" for peer in peers for addr in peer["Addrs"]]


def firewalld_rich_rule(opening) -> str:
    """[address, port] -> the rich rule letting address reach that TCP port, as firewalld lists it."""
    address, port = opening
    family = "ipv6" if ipaddress.ip_address(str(address)).version == 6 else "ipv4"
    return f'rule family="{family}" source address="{address}" port port="{int(port)}" protocol="tcp" accept'


def upgrade_report_line(report) -> str:
    """One line of the upgrade summary for one host's report."""
    before, after = report["before"], report["after"]
    line = (f"{report['host']}: kubo {before.get('kubo')} -> {after.get('kubo')}"
            f" (repo {before.get('repo')} -> {after.get('repo')}),"
            f" ipfs-cluster {before.get('cluster')} -> {after.get('cluster')},"
            f" down {report['down_seconds']}s: {report['outcome']}")
    return line + (f" ({report['error']})" if report.get("error") else "")


class FilterModule:
    def filters(self):
        return {
            "swarm_key_problem": swarm_key_problem,
            "swarm_key_text": swarm_key_text,
            "swarm_key_from_hex": swarm_key_from_hex,
            "cluster_secret_problem": cluster_secret_problem,
            "ip_multiaddr": ip_multiaddr,
            "multiaddr_url": multiaddr_url,
            "multiaddr_host": multiaddr_host,
            "multiaddr_is_loopback": multiaddr_is_loopback,
            "p2p_addrs": p2p_addrs,
            "firewalld_rich_rule": firewalld_rich_rule,
            "upgrade_report_line": upgrade_report_line,
        }

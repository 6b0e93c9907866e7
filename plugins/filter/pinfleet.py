# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Pure helpers the roles' templates need: key checks and multiaddrs."""

from __future__ import annotations

import ipaddress
import re

from ansible.errors import AnsibleFilterError
from ansible_collections.pinfleet.ipfs.plugins.module_utils.kubo_settings import MISSING, get_key, set_key

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


def cluster_secret_text(secret) -> str:
    """Normalise a valid cluster secret to what service.json holds: 64 lowercase hex characters.

    The one cleaning of the secret, for the checks that compare it and the file that holds it
    alike: a trailing newline (as `openssl rand -hex 32 | ansible-vault encrypt_string` leaves)
    would make ipfs-cluster refuse to start.
    """
    problem = cluster_secret_problem(secret)
    if problem:
        raise AnsibleFilterError(problem)
    return str(secret).strip().lower()


def pick(data, paths) -> dict:
    """The parts of a nested dict at the given dotted paths, those it has, as a nested dict."""
    picked: dict = {}
    for path in paths:
        value = get_key(data, path)
        if value is not MISSING:
            set_key(picked, path, value)
    return picked


def ip_multiaddr(address, port, transport="tcp") -> str:
    """'10.0.0.1', 4001 -> '/ip4/10.0.0.1/tcp/4001'; DNS names become /dns/."""
    try:
        family = f"ip{ipaddress.ip_address(str(address)).version}"
    except ValueError:
        family = "dns"
    return f"/{family}/{address}/{transport}/{int(port)}"


def host_networks(facts) -> list[str]:
    """A host's addresses with their prefix ('10.89.0.5/24'), from its network facts, loopback left out."""
    found = []
    for name in facts.get("interfaces") or []:
        iface = facts.get(name.replace("-", "_")) or {}
        ipv4 = [iface["ipv4"]] if isinstance(iface.get("ipv4"), dict) else []
        for addr in ipv4 + list(iface.get("ipv4_secondaries") or []):
            if addr.get("address") and addr.get("netmask"):
                found.append(str(ipaddress.ip_interface(f"{addr['address']}/{addr['netmask']}")))
        for addr in iface.get("ipv6") or []:
            if addr.get("address") and addr.get("scope") != "link":
                found.append(f"{addr['address'].split('%')[0]}/{addr.get('prefix', 128)}")
    return [n for n in found if not ipaddress.ip_interface(n).is_loopback]


def peer_address_problem(address, networks, others, variable, peer_network="") -> str:
    """What is wrong with the address a peer announces, or ''.

    networks: the host's own addresses with prefix (host_networks); others: the
    other peers' lists of the same. The address must be one of the host's; and
    when it is on a network none of the other peers is on while another of the
    host's addresses is on theirs (a second interface holding the default
    route, say), the peers could not reach it. A DNS name is not checked.
    An empty address is a host with no address in peer_network (pinfleet_peer_network),
    or without one, with no default route.
    """
    listed = ", ".join(str(ipaddress.ip_interface(n).ip) for n in networks) or "none"
    if not str(address or "").strip():
        if peer_network:
            return (f"this host has no address in pinfleet_peer_network {peer_network} (its addresses: {listed}). "
                    "Set pinfleet_peer_network to the CIDR of the network the peers share, "
                    f"or {variable} for this host.")
        return (f"{variable} is empty: this host has no default route to take its address from (its addresses: "
                f"{listed}). Set pinfleet_peer_network to the CIDR of the network the peers share, or {variable}.")
    try:
        wanted = ipaddress.ip_address(str(address))
    except ValueError:
        return ""
    own = [ipaddress.ip_interface(n) for n in networks]
    fix = (f"Set pinfleet_peer_network to the CIDR of the network the peers share, or {variable} for this host "
           "to its address there.")
    mine = [i for i in own if i.ip == wanted]
    if not mine:
        return f"{variable} {address} is not an address of this host (its addresses: {listed}). {fix}"
    theirs = {ipaddress.ip_interface(n).network for peer in others for n in peer}
    if not others or mine[0].network in theirs:
        return ""
    shared = [i for i in own if i.network in theirs]
    if not shared:
        return ""
    return (f"{variable} {address} is on {mine[0].network}, where no other peer is, while this host's {shared[0].ip} "
            f"is on their network {shared[0].network}: the peers could not reach it. "
            f"Set pinfleet_peer_network: {shared[0].network}, or {variable}: {shared[0].ip} for this host.")


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
    """Peers as the roles publish them, [{'id':..., 'addrs':[...]}] -> ['<addr>/p2p/<id>', ...]."""
    return [f"{addr}/p2p/{peer['id']}" for peer in peers for addr in peer["addrs"]]


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
            "cluster_secret_text": cluster_secret_text,
            "pick": pick,
            "host_networks": host_networks,
            "peer_address_problem": peer_address_problem,
            "ip_multiaddr": ip_multiaddr,
            "multiaddr_url": multiaddr_url,
            "multiaddr_host": multiaddr_host,
            "multiaddr_is_loopback": multiaddr_is_loopback,
            "p2p_addrs": p2p_addrs,
            "firewalld_rich_rule": firewalld_rich_rule,
            "upgrade_report_line": upgrade_report_line,
        }

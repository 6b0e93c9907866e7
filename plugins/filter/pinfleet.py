# Copyright (c) 2026 pinfleet developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Pure helpers the roles' templates need: key checks and multiaddrs."""

from __future__ import annotations

import ipaddress

from ansible.errors import AnsibleFilterError
from ansible_collections.pinfleet.ipfs.plugins.module_utils import secrets
from ansible_collections.pinfleet.ipfs.plugins.module_utils.json_config import MISSING, get_key, set_key


def _filter(function):
    """A secrets function as a filter: its ValueError, which names the fix, as a filter error."""
    def run(value):
        try:
            return function(value)
        except ValueError as err:
            raise AnsibleFilterError(str(err)) from None
    run.__doc__ = function.__doc__
    return run


swarm_key_text = _filter(secrets.swarm_key_text)
cluster_secret_text = _filter(secrets.cluster_secret_text)


def swarm_key_from_hex(hex64) -> str:
    """64 hex characters -> the text of a swarm.key file."""
    return swarm_key_text(f"/key/swarm/psk/1.0.0/\n/base16/\n{hex64}\n")


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


def host_address(facts, peer_network="") -> str:
    """The address a host is known by: its first one in peer_network (pinfleet_peer_network) when that is set,
    else that of its default route; '' when it has none there."""
    if not str(peer_network or "").strip():
        return str((facts.get("default_ipv4") or {}).get("address") or "")
    try:
        network = ipaddress.ip_network(str(peer_network).strip(), strict=False)
    except ValueError:
        raise AnsibleFilterError(f"pinfleet_peer_network {peer_network!r} is not a network: set it to the CIDR of the"
                                 " network the peers share, such as 10.0.0.0/24") from None
    for address in list(facts.get("all_ipv4_addresses") or []) + list(facts.get("all_ipv6_addresses") or []):
        if ipaddress.ip_address(str(address).split("%", maxsplit=1)[0]) in network:
            return str(address)
    return ""


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


def published(hosts, hostvars, fact, record=None) -> list:
    """Each host's fact as it published it in this run, else as the fleet record has it.

    Hosts with neither are left out."""
    found = []
    for host in hosts:
        own = hostvars[host] if host in hostvars else {}
        if fact in own:
            found.append(own[fact])
        elif fact in (record or {}).get(host, {}):
            found.append(record[host][fact])
    return found


def _addresses(peer) -> list[str]:
    """The hosts of a published peer's kubo and cluster addresses."""
    addrs = [a for fact in ("kubo_peer", "cluster_peer") for a in (peer.get(fact) or {}).get("addrs") or []]
    return sorted({multiaddr_host(a) for a in addrs})


def _inside(address, networks) -> bool:
    try:
        return any(ipaddress.ip_address(address) in net for net in networks)
    except ValueError:
        return False  # a DNS name: no CIDR holds it


def new_peers(peers, record) -> list[dict]:
    """The peers of a run (their hostvars) that the fleet record does not have as they are now:
    new, or with another cluster peer ID or addresses. Each as {host, group, id, addresses}."""
    found = []
    for peer in peers:
        host = peer["inventory_hostname"]
        was = (record or {}).get(host, {})
        now = {"host": host, "group": peer["cluster_peer"]["peer_group"], "id": peer["cluster_peer"]["id"],
               "addresses": _addresses(peer)}
        if (was.get("cluster_peer") or {}).get("id") != now["id"] or _addresses(was) != now["addresses"]:
            found.append(now)
    return found


def pending_runs(new, outside, record) -> list[str]:
    """For the recorded peers outside a run (their hostvars), what each must still learn of its new peers.

    A firewall learns a peer unless firewall_peer_sources holds its addresses; a crdt peer's trust,
    unless cluster_trusted_peers is ['*'] or lists its ID. A peer's lists (bootstrap, peering, peer
    addresses) need no run: the new peer dials it."""
    lines = []
    for peer in outside:
        host = peer["inventory_hostname"]
        was = (record or {}).get(host, {}).get("cluster_peer") or {}
        joining = [n for n in new if n["group"] == was.get("peer_group")]
        if not joining:
            continue
        networks = [ipaddress.ip_network(str(n), strict=False) for n in peer.get("firewall_peer_sources") or []]
        shut = [n["host"] for n in joining if not all(_inside(a, networks) for a in n["addresses"])]
        trust = peer.get("cluster_trusted_peers") or []
        untrusted = [] if was.get("consensus") != "crdt" or "*" in trust else \
            [n["host"] for n in joining if n["id"] not in trust]
        needs = ([f"its firewall must let {', '.join(shut)} in"] if shut else []) + \
            ([f"its trusted peers must learn {', '.join(untrusted)}"] if untrusted else [])
        if needs:
            lines.append(f"{host} needs a run: {' and '.join(needs)}")
    return lines


def upgrade_report_line(report) -> str:
    """One line of the upgrade summary for one host's report, or for a peer the run left out (host, seen)."""
    if "seen" in report:
        seen = "never recorded" if report["seen"] == "never" else f"last seen {report['seen']}"
        return (f"{report['host']}: not in this run (unreachable, or left out by --limit), {seen};"
                " at its versions until a run of this upgrade reaches it")
    before, after = report["before"], report["after"]
    line = (f"{report['host']}: kubo {before.get('kubo')} -> {after.get('kubo')}"
            f" (repo {before.get('repo')} -> {after.get('repo')}),"
            f" ipfs-cluster {before.get('cluster')} -> {after.get('cluster')},"
            f" down {report['down_seconds']}s: {report['outcome']}")
    return line + (f" ({report['error']})" if report.get("error") else "")


class FilterModule:
    def filters(self):
        return {
            "swarm_key_problem": secrets.swarm_key_problem,
            "swarm_key_text": swarm_key_text,
            "swarm_key_digest": secrets.swarm_key_digest,
            "swarm_key_from_hex": swarm_key_from_hex,
            "cluster_secret_problem": secrets.cluster_secret_problem,
            "cluster_secret_text": cluster_secret_text,
            "cluster_secret_digest": secrets.cluster_secret_digest,
            "pick": pick,
            "host_address": host_address,
            "host_networks": host_networks,
            "peer_address_problem": peer_address_problem,
            "ip_multiaddr": ip_multiaddr,
            "multiaddr_url": multiaddr_url,
            "multiaddr_host": multiaddr_host,
            "multiaddr_is_loopback": multiaddr_is_loopback,
            "p2p_addrs": p2p_addrs,
            "firewalld_rich_rule": firewalld_rich_rule,
            "upgrade_report_line": upgrade_report_line,
            "published": published,
            "new_peers": new_peers,
            "pending_runs": pending_runs,
        }

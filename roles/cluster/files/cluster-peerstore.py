"""Drop the lines of an ipfs-cluster peerstore file that lead to a former identity.

pinfleet installs this as /usr/local/lib/pinfleet-cluster-peerstore.py and runs it
before each start of the cluster peer, and at once when a run rewrites the peer
list. A cluster peer saves every address it knows when it stops and reads them
back when it starts, so a peer rebuilt with a new identity would stay in the
others' peerstore under its old ID for good. A line is stale when its address is
one that service.json's peer_addresses gives to another peer ID; every line of an
ID that is not in peer_addresses goes with it. Other lines stay.

Usage: python3 pinfleet-cluster-peerstore.py <cluster folder>. Prints each line it drops.
"""

from __future__ import annotations

import json
import os
import sys


def split(multiaddr: str) -> tuple[str, str]:
    """'/ip4/10.0.0.1/tcp/9096/p2p/12D3...' -> ('/ip4/10.0.0.1/tcp/9096', '12D3...')."""
    for marker in ("/p2p/", "/ipfs/"):
        address, found, peer_id = multiaddr.rpartition(marker)
        if found:
            return address, peer_id
    return multiaddr, ""


def stale(lines: list[str], peer_addresses: list[str]) -> list[str]:
    """The lines of the peerstore that peer_addresses shows to lead to a former identity."""
    owner = dict(map(split, peer_addresses))
    misdials = [line for line in lines if owner.get(split(line)[0], split(line)[1]) != split(line)[1]]
    former = {split(line)[1] for line in misdials} - set(owner.values())
    return [line for line in lines if line in misdials or split(line)[1] in former]


def main(folder: str) -> int:
    store = os.path.join(folder, "peerstore")
    try:
        with open(os.path.join(folder, "service.json")) as handle:
            peer_addresses = json.load(handle)["cluster"].get("peer_addresses") or []
        with open(store) as handle:
            lines = [line.strip() for line in handle if line.strip()]
    except FileNotFoundError:
        return 0
    drop = stale(lines, peer_addresses)
    if drop:
        # Rewritten in place, as the peer itself does: the file keeps its owner.
        with open(store, "w") as handle:
            handle.writelines(f"{line}\n" for line in lines if line not in drop)
    for line in drop:
        print(f"dropped {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

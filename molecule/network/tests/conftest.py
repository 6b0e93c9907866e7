import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.environ["PINFLEET_ROOT"], "tests", "integration"))

from pinfleet_hosts import host, inventory_groups


@pytest.fixture(scope="session")
def nodes():
    """The storage nodes, by name, in inventory order."""
    return {name: host(name) for name in inventory_groups()["storage"]}


@pytest.fixture(scope="session")
def outsider():
    """The node of another private network."""
    return host(inventory_groups()["outsiders"][0])

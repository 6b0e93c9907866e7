import os
import sys

sys.path.insert(0, os.path.join(os.environ["PINFLEET_ROOT"], "tests", "integration"))

from pinfleet_hosts import nodes, outsider

# The scenario's host fixtures, for pytest to find here.
__all__ = ["nodes", "outsider"]

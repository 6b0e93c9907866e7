import os
import sys

sys.path.insert(0, os.path.join(os.environ["PINFLEET_ROOT"], "tests", "integration"))

from pinfleet_hosts import nodes, outsider  # noqa: F401  (the scenario's host fixtures)

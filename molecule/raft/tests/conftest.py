import os
import sys

sys.path.insert(0, os.path.join(os.environ["PINFLEET_ROOT"], "tests", "integration"))

"""Installs collections from the ansible package's wheel.

usage: bundled_collections.py WHEEL COLLECTIONS_PATH REQUIREMENTS_YML...

The wheel carries each collection as installed (MANIFEST.json, FILES.json),
so its folder is copied as it is to COLLECTIONS_PATH/ansible_collections/.
"""

import sys
import zipfile
from pathlib import Path

import yaml


def main(wheel: str, path: str, *requirements: str) -> None:
    names = [c["name"] for r in requirements for c in yaml.safe_load(Path(r).read_text())["collections"]]
    with zipfile.ZipFile(wheel) as archive:
        for name in names:
            prefix = "ansible_collections/{}/{}/".format(*name.split("."))
            members = [m for m in archive.namelist() if m.startswith(prefix)]
            if not members:
                sys.exit(f"{wheel} has no collection {name}")
            archive.extractall(path, members)


if __name__ == "__main__":
    main(*sys.argv[1:])

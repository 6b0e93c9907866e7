import json

import pytest
from ansible_collections.pinfleet.ipfs.plugins.module_utils.host_space import free_bytes, parse_bytes, repo_bytes


@pytest.mark.parametrize(("text", "expected"), [
    ("10GB", 10 * 10**9), ("500MB", 500 * 10**6), ("10 MB", 10**7), ("1.5GiB", 3 * 2**29),
    ("1024", 1024), ("2k", 2000), ("1TiB", 2**40), ("1,000B", 1000),
])
def test_sizes_are_read_as_kubo_reads_them(text, expected):
    assert parse_bytes(text) == expected


@pytest.mark.parametrize("text", ["", "ten GB", "10 GBs", "10XB", "-1GB"])
def test_what_kubo_would_not_read_is_refused(text):
    with pytest.raises(ValueError, match="is not a size kubo reads"):
        parse_bytes(text)


def test_free_space_of_a_folder_not_made_yet_is_that_of_its_parent(tmp_path):
    assert free_bytes(str(tmp_path / "not" / "yet")) == free_bytes(str(tmp_path))
    assert free_bytes(str(tmp_path)) > 0


def test_the_repository_counts_the_block_stores_own_figure_and_walks_the_rest(tmp_path):
    assert repo_bytes(str(tmp_path)) is None
    (tmp_path / "config").write_text("{}")
    (tmp_path / "blocks").mkdir()
    (tmp_path / "blocks" / "big.data").write_bytes(b"x" * 100000)
    (tmp_path / "blocks" / "diskUsage.cache").write_text(json.dumps({"diskUsage": 54000000, "accuracy": "exact"}))
    (tmp_path / "datastore").mkdir()
    (tmp_path / "datastore" / "000001.log").write_bytes(b"y" * 8192)
    assert 54000000 + 8192 <= repo_bytes(str(tmp_path)) < 54000000 + 8192 + 65536
    (tmp_path / "blocks" / "diskUsage.cache").unlink()
    assert repo_bytes(str(tmp_path)) >= 100000 + 8192

from importlib.metadata import PackageNotFoundError

from ansible_collections.pinfleet.ipfs.plugins.lookup import controller_requirements


def installed(versions):
    def version(name):
        if name not in versions:
            raise PackageNotFoundError(name)
        return versions[name]
    return version


LINES = ["# the runtime", "ansible-core>=2.19", "", "netaddr>=1.0  # the address filters"]


def test_a_controller_with_everything_has_no_problem():
    assert controller_requirements.problems(LINES, installed({"netaddr": "1.3.0"})) == []


def test_a_missing_library_is_named_with_what_is_needed():
    assert controller_requirements.problems(LINES, installed({})) == [
        "netaddr is not installed (pinfleet needs netaddr>=1.0)"]


def test_a_version_out_of_range_is_named():
    assert controller_requirements.problems(LINES, installed({"netaddr": "0.8.0"})) == [
        "netaddr 0.8.0 is installed, pinfleet needs netaddr>=1.0"]


def test_the_shipped_requirements_are_ranges_and_the_test_bed_pins_them():
    """requirements.txt holds ranges; constraints.txt pins each of them exactly."""
    root = controller_requirements.REQUIREMENTS.parent
    names = [line.split(">=")[0] for line in controller_requirements.REQUIREMENTS.read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert names and not any("==" in line for line in controller_requirements.REQUIREMENTS.read_text().splitlines())
    pins = [line.split("==")[0] for line in (root / "constraints.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    assert sorted(pins) == sorted(names)

"""cluster_pins: the pinset as GET /allocations gives it, and the recovery of this peer's pins in error."""

import http.server
import json
import threading

import pytest
from ansible_collections.pinfleet.ipfs.plugins.modules import cluster_pins

PINS = [{"cid": "bafyA", "name": "a"}, {"cid": "bafyB", "name": "b"}]
PEERS = [{"id": "12D3KooWNEW1", "peername": "n1"}, {"id": "12D3KooWNEW2", "peername": "n2"}]


def status(cid, state):
    return {"cid": cid, "peer_map": {"12D3KooWA": {"peername": "n1", "status": state}}}


class _Api(http.server.BaseHTTPRequestHandler):
    def _answer(self):
        self.server.seen.append((self.command, self.path))
        body = {"/allocations": PINS, "/peers": PEERS, "/pins?local=true": self.server.statuses}.get(self.path, [])
        data = "".join(json.dumps(item) + "\n" for item in body).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def api():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Api)
    server.seen, server.statuses = [], []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def test_the_pinset_is_listed_and_nothing_changes(run_module, api):
    result = run_module(cluster_pins.main, {"cluster_api": f"http://127.0.0.1:{api.server_port}"})
    assert result["pins"] == [dict(pin, allocation_names=[]) for pin in PINS] and result["changed"] is False
    assert result["peers"] == {"12D3KooWNEW1": "n1", "12D3KooWNEW2": "n2"}
    assert api.seen == [("GET", "/allocations"), ("GET", "/peers")]


def test_recover_asks_only_when_a_pin_is_in_error(run_module, api):
    url = f"http://127.0.0.1:{api.server_port}"
    api.statuses = [status("bafyA", "pinned"), status("bafyB", "pinning")]
    assert run_module(cluster_pins.main, {"cluster_api": url, "recover": True})["changed"] is False
    api.statuses = [status("bafyA", "pinned"), status("bafyB", "pin_error")]
    result = run_module(cluster_pins.main, {"cluster_api": url, "recover": True})
    assert result["changed"] is True and result["recovered"] == ["bafyB"]
    assert ("POST", "/pins/recover?local=true") in api.seen


def test_check_mode_tells_what_it_would_recover_and_does_not(run_module, api):
    api.statuses = [status("bafyA", "pin_error")]
    result = run_module(cluster_pins.main, {"cluster_api": f"http://127.0.0.1:{api.server_port}", "recover": True},
                        check_mode=True)
    assert result["changed"] is True and result["recovered"] == ["bafyA"]
    assert not [call for call in api.seen if call[0] == "POST"]


def test_an_api_that_does_not_answer_fails_naming_it(run_module):
    result = run_module(cluster_pins.main, {"cluster_api": "http://127.0.0.1:9"})
    assert result["failed"] and "http://127.0.0.1:9" in result["msg"]


def test_restore_pins_what_the_cluster_lacks_with_its_options_and_allocations_by_name(run_module, api):
    saved = [
        {"cid": "bafyA", "name": "a", "replication_factor_min": -1, "replication_factor_max": -1},
        {"cid": "bafyC", "name": "c d", "mode": "recursive", "replication_factor_min": 1, "replication_factor_max": 2,
         "allocation_names": ["n2", "gone"], "metadata": {"team": "x"}, "expire_at": "0001-01-01T00:00:00Z"},
    ]
    url = f"http://127.0.0.1:{api.server_port}"
    checked = run_module(cluster_pins.main, {"cluster_api": url, "restore": saved}, check_mode=True)
    assert checked["changed"] is True and checked["restored"] == ["bafyC"]
    assert [seen for seen in api.seen if seen[0] == "POST"] == []
    result = run_module(cluster_pins.main, {"cluster_api": url, "restore": saved})
    assert result["changed"] is True and result["restored"] == ["bafyC"]
    posts = [path for method, path in api.seen if method == "POST"]
    assert posts == ["/pins/bafyC?name=c+d&mode=recursive&replication-min=1&replication-max=2"
                     "&user-allocations=12D3KooWNEW2&meta-team=x"], posts
    # bafyA is pinned already: nothing is pinned twice.
    assert run_module(cluster_pins.main, {"cluster_api": url, "restore": saved[:1]})["changed"] is False

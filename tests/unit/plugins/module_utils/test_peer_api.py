"""PeerApi through open_url: basic auth, errors as urllib raises them, and HTTPS checked against ca_path."""

import base64
import datetime
import http.server
import ipaddress
import ssl
import threading
import urllib.error

import pytest
from ansible_collections.pinfleet.ipfs.plugins.module_utils.peer_api import REST_API_OPTIONS, PeerApi, ndjson
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


class _Handler(http.server.BaseHTTPRequestHandler):
    """Answers 200 with what it was asked, or the status in the path (/status/401)."""

    def _answer(self):
        self.server.seen.append((self.command, self.path, self.headers.get("Authorization")))
        status = int(self.path.split("/")[2]) if self.path.startswith("/status/") else 200
        body = b'{"id": "12D3KooWA"}\n{"id": "12D3KooWB"}\n'
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_DELETE = _answer

    def log_message(self, *args):
        pass


def _serve(context=None):
    server = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    server.seen = []
    if context:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server


@pytest.fixture
def plain():
    server = _serve()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, and its key, as PEM files."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pinfleet test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                       serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    return folder / "cert.pem", folder / "key.pem"


@pytest.fixture
def tls(certificate):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*map(str, certificate))
    server = _serve(context)
    yield server
    server.shutdown()
    server.server_close()


def params(**changes):
    """The modules' REST API options with their defaults, changed."""
    return {**{name: spec.get("default") for name, spec in REST_API_OPTIONS.items()}, **changes}


def test_ca_path_is_a_rest_api_option():
    assert REST_API_OPTIONS["ca_path"] == {"type": "path"}


def test_the_rest_api_gets_basic_auth_from_the_first_request(plain):
    api = PeerApi(params(cluster_api=f"http://127.0.0.1:{plain.server_port}/", cluster_api_user="admin",
                         cluster_api_password="s3cret"))
    assert [p["id"] for p in ndjson(api.rest("/peers"))] == ["12D3KooWA", "12D3KooWB"]
    api.rest("/peers/12D3KooWB", method="DELETE")
    token = "Basic " + base64.b64encode(b"admin:s3cret").decode()
    assert plain.seen == [("GET", "/peers", token), ("DELETE", "/peers/12D3KooWB", token)]


def test_a_user_without_password_sends_an_empty_one(plain):
    PeerApi(params(cluster_api=f"http://127.0.0.1:{plain.server_port}", cluster_api_user="admin")).rest("/id")
    assert plain.seen[0][2] == "Basic " + base64.b64encode(b"admin:").decode()


def test_kubo_and_a_rest_api_without_user_get_no_credentials_not_even_from_netrc(plain, tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password other\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    url = f"http://127.0.0.1:{plain.server_port}"
    PeerApi(params(cluster_api_user="admin", cluster_api_password="s3cret")).request(url + "/api/v0/id", "POST")
    PeerApi(params(cluster_api=url)).rest("/id")
    assert plain.seen == [("POST", "/api/v0/id", None), ("GET", "/id", None)]


def test_an_http_error_status_raises_httperror_with_its_code(plain):
    api = PeerApi(params(cluster_api=f"http://127.0.0.1:{plain.server_port}", cluster_api_user="admin"))
    with pytest.raises(urllib.error.HTTPError) as caught:
        api.rest("/status/401")
    assert caught.value.code == 401


def test_an_api_that_does_not_answer_raises_an_oserror():
    with pytest.raises(urllib.error.URLError) as caught:
        PeerApi(params(cluster_api="http://127.0.0.1:9")).rest("/id", timeout=5)
    assert isinstance(caught.value, OSError)


def test_a_self_signed_certificate_is_refused_by_default(tls):
    with pytest.raises(urllib.error.URLError) as caught:
        PeerApi(params(cluster_api=f"https://127.0.0.1:{tls.server_port}")).rest("/id")
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)


def test_ca_path_validates_a_private_certificate(tls, certificate):
    api = PeerApi(params(cluster_api=f"https://127.0.0.1:{tls.server_port}", ca_path=str(certificate[0])))
    assert ndjson(api.rest("/id"))[0]["id"] == "12D3KooWA"


def test_validate_certs_off_accepts_any_certificate(tls):
    api = PeerApi(params(cluster_api=f"https://127.0.0.1:{tls.server_port}", validate_certs=False))
    assert ndjson(api.rest("/id"))[0]["id"] == "12D3KooWA"


def test_a_ca_path_that_is_not_a_file_is_named(tls, tmp_path):
    api = PeerApi(params(cluster_api=f"https://127.0.0.1:{tls.server_port}", ca_path=str(tmp_path / "none.pem")))
    with pytest.raises(OSError, match="ca_path is not a file"):
        api.rest("/id")


def test_ca_path_is_not_read_for_plain_http_nor_without_validation(plain, tls, tmp_path):
    missing = str(tmp_path / "none.pem")
    PeerApi(params(cluster_api=f"http://127.0.0.1:{plain.server_port}", ca_path=missing)).rest("/id")
    PeerApi(params(cluster_api=f"https://127.0.0.1:{tls.server_port}", ca_path=missing,
                   validate_certs=False)).rest("/id")


def test_the_credentials_come_from_the_peers_service_json(plain, tmp_path):
    """No password passes through the play: cluster_config names the file the peer itself reads."""
    service = tmp_path / "service.json"
    service.write_text('{"api": {"restapi": {"basic_auth_credentials": {"admin": "s3cret"}}}}')
    PeerApi(params(cluster_api=f"http://127.0.0.1:{plain.server_port}", cluster_config=str(service))).rest("/id")
    assert plain.seen[-1][2] == "Basic " + base64.b64encode(b"admin:s3cret").decode()


@pytest.mark.parametrize("content", [None, "{}", '{"api": {"restapi": {}}}', "not json"])
def test_a_service_json_without_credentials_sends_none(plain, tmp_path, content):
    service = tmp_path / "service.json"
    if content is not None:
        service.write_text(content)
    PeerApi(params(cluster_api=f"http://127.0.0.1:{plain.server_port}", cluster_config=str(service))).rest("/id")
    assert plain.seen[-1][2] is None


def test_credentials_given_outright_win_over_service_json(plain, tmp_path):
    service = tmp_path / "service.json"
    service.write_text('{"api": {"restapi": {"basic_auth_credentials": {"admin": "old"}}}}')
    PeerApi(params(cluster_api=f"http://127.0.0.1:{plain.server_port}", cluster_config=str(service),
                   cluster_api_user="admin", cluster_api_password="new")).rest("/id")
    assert plain.seen[-1][2] == "Basic " + base64.b64encode(b"admin:new").decode()

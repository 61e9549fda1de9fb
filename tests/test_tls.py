"""TLS against a live target: verified by default, a CA bundle, a client certificate."""

from __future__ import annotations

import ssl

import pytest
import trustme

from conformance.simulator import create_app, serve_in_thread
from tests.support.live import FAST, SIMULATOR_TOML
from tests.support.running import write

#: Each starts a server on 127.0.0.1.
pytestmark = pytest.mark.slow

SOME = ("-k", "submission_is_accepted or status_answers")


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def pems(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("pki")
    server = ca.issue_cert("127.0.0.1")
    client = ca.issue_cert("conformance-client@example.test")
    paths = {
        "ca": folder / "ca.pem",
        "server_cert": folder / "server.pem",
        "server_key": folder / "server.key",
        "client": folder / "client.pem",
    }
    ca.cert_pem.write_to_path(str(paths["ca"]))
    server.cert_chain_pems[0].write_to_path(str(paths["server_cert"]))
    server.private_key_pem.write_to_path(str(paths["server_key"]))
    client.private_key_and_cert_chain_pem.write_to_path(str(paths["client"]))
    return {k: str(v) for k, v in paths.items()}


def _https(pems: dict[str, str], client_certs: bool = False) -> object:
    tls = {"ssl_certfile": pems["server_cert"], "ssl_keyfile": pems["server_key"]}
    if client_certs:
        tls |= {"ssl_ca_certs": pems["ca"], "ssl_cert_reqs": ssl.CERT_REQUIRED}
    return serve_in_thread(create_app(settings=FAST), **tls)


def _config(tmp_path, tls: str = "") -> str:
    return str(write(tmp_path / "target.toml", SIMULATOR_TOML + "\n[tls]\n" + tls))


def test_an_untrusted_certificate_is_refused_with_the_way_out(run_suite, tmp_path, pems):
    with _https(pems) as url:
        run = run_suite(f"--target={url}", f"--target-config={_config(tmp_path)}", *SOME)
    assert run.result.ret == 1
    out = run.result.stdout.str()
    assert "CERTIFICATE_VERIFY_FAILED" in out and "tls.ca_bundle" in out
    assert run.document is not None and run.document["exchange_count"] == 1


def test_a_ca_bundle_makes_the_server_trusted(run_suite, tmp_path, pems):
    config = _config(tmp_path, f"ca_bundle = {pems['ca']!r}\n")
    with _https(pems) as url:
        run = run_suite(f"--target={url}", f"--target-config={config}", *SOME)
    assert run.result.ret == 0, run.result.stdout.str()[-2000:]
    assert run.verdicts["SUBMIT-202"] == "PASS"


def test_a_server_that_asks_for_a_client_certificate_gets_one(run_suite, tmp_path, pems):
    without = _config(tmp_path, f"ca_bundle = {pems['ca']!r}\n")
    with _https(pems, client_certs=True) as url:
        refused = run_suite(f"--target={url}", f"--target-config={without}", *SOME)
        given = _config(tmp_path, f"ca_bundle = {pems['ca']!r}\nclient_cert = {pems['client']!r}\n")
        run = run_suite(f"--target={url}", f"--target-config={given}", *SOME)
    assert refused.result.ret == 1
    assert run.result.ret == 0, run.result.stdout.str()[-2000:]
    assert run.verdicts["SUBMIT-202"] == "PASS"


def test_verification_off_takes_any_certificate_and_says_so(run_suite, tmp_path, pems):
    with _https(pems) as url:
        run = run_suite(
            f"--target={url}", f"--target-config={_config(tmp_path, 'verify = false')}", *SOME
        )
    assert run.result.ret == 0
    assert "TLS certificates are NOT verified" in run.result.stdout.str()


@pytest.mark.parametrize(
    ("tls", "message"),
    [
        ("ca_bundle = 'missing.pem'", "tls.ca_bundle = 'missing.pem': no such file"),
        ("client_key = 'k.pem'", "client_key needs client_cert"),
        ("ca_bundle = 'target.toml'", "could not be used"),
    ],
)
def test_an_unusable_tls_setting_stops_before_any_request(run_suite, tmp_path, tls, message):
    run = run_suite("--target=https://127.0.0.1:9", f"--target-config={_config(tmp_path, tls)}")
    assert run.result.ret == 4
    assert message in run.result.stderr.str() + run.result.stdout.str()
    assert run.document is None

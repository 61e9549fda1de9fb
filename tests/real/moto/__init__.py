"""moto's server, real from PyPI, started on loopback for the tests: its Amazon S3 Glacier
API, whose Initiate Job answers 202 Accepted with a Location naming the job.

moto lives in a virtualenv of its own (it brings boto3 and Flask): `.ci/run` makes it and
sets MOTO_PYTHON to its interpreter. To run these tests by hand:

    python3 -m venv /tmp/moto
    /tmp/moto/bin/pip install moto==5.2.6 flask==3.1.3 flask-cors==6.0.5
    MOTO_PYTHON=/tmp/moto/bin/python python3 -m pytest tests/real/test_moto_glacier.py
"""

from __future__ import annotations

import contextlib
import os
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from .._servers import free_port, log_tails, start, stop

__all__ = ["AUTHORIZATION", "VAULT", "VERSION", "interpreter", "running"]

VERSION = "moto 5.2.6"
VAULT = "conformance"
#: moto checks no signature; the credential scope in this header tells it the service (glacier).
AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/glacier/aws4_request, "
    "SignedHeaders=host, Signature=0"
)


def interpreter() -> str | None:
    """The Python of moto's virtualenv, from MOTO_PYTHON; None when unset."""
    return os.environ.get("MOTO_PYTHON") or None


@contextlib.contextmanager
def running(python: str, work: Path) -> Iterator[str]:
    """Start moto's server on 127.0.0.1 (one process, Werkzeug) with an empty vault; yields
    its base URL, stops it on exit."""
    port = free_port()
    env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    server = start(
        [python, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], env, work / "moto.log"
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        create = urllib.request.Request(
            f"{base}/-/vaults/{VAULT}", method="PUT", headers={"Authorization": AUTHORIZATION}
        )
        while True:
            try:
                urllib.request.urlopen(create, timeout=5).close()  # Create Vault: 201
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"moto did not start on {base}:\n{log_tails(work / 'moto.log')}"
                    ) from None
                time.sleep(0.1)
        yield base
    finally:
        stop(server)

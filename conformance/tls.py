"""The TLS settings of a live target, as the SSL context its client uses.

Verification is on by default (the system's CAs, as httpx has them). A description
may name a CA bundle to trust instead (a staging server with a private CA) and a
client certificate to present (mutual TLS). Files are found relative to the target
description; a file that is missing or not PEM is an error before any request.
"""

from __future__ import annotations

import ssl
from pathlib import Path

from .description import Description

__all__ = ["TlsError", "ssl_context"]


class TlsError(ValueError):
    """A TLS setting that cannot be used; the message names the key, the file and the way out."""


def _file(key: str, value: str, base: Path) -> str:
    path = Path(value).expanduser()
    path = path if path.is_absolute() else base / path
    if not path.is_file():
        raise TlsError(
            f"tls.{key} = {value!r}: no such file ({path}); give a PEM file, relative to the "
            "target description or absolute"
        )
    return str(path)


def ssl_context(description: Description, base: Path) -> ssl.SSLContext | bool:
    """What the client's `verify` gets: a context, or False with verification off."""
    tls = description.tls
    if not tls.verify and tls.client_cert is None:
        return False
    try:
        if tls.ca_bundle is not None:
            context = ssl.create_default_context(cafile=_file("ca_bundle", tls.ca_bundle, base))
        else:
            import certifi  # httpx's own default

            context = ssl.create_default_context(cafile=certifi.where())
        if not tls.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if tls.client_cert is not None:
            cert = _file("client_cert", tls.client_cert, base)
            key = _file("client_key", tls.client_key, base) if tls.client_key else None
            context.load_cert_chain(cert, key)
    except ssl.SSLError as exc:
        raise TlsError(
            f"tls: the certificate files could not be used ({exc.reason or exc}); check that "
            "ca_bundle, client_cert and client_key are PEM and that the key matches the "
            "certificate"
        ) from None
    return context

"""async-conformance: a pytest conformance suite for asynchronous HTTP APIs."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("async-conformance")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0.0.0+unknown"

from .verdicts import cite

__all__ = ["__version__", "cite"]

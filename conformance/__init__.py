"""async-conformance: a pytest conformance suite for asynchronous HTTP APIs."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("async-conformance")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0.0.0+unknown"

from .driver import SetupTarget
from .verdicts import cite

__all__ = ["SetupTarget", "__version__", "cite"]

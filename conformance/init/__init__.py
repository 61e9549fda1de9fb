"""`async-conformance init`: from a URL and the document it publishes to a target description.

Built so far: `async_operations`, which operations a published OpenAPI document marks as
asynchronous and by what signs (`_discovery.py`). To come (issue 23): finding the
document, the probe, the dialect sniffed from its answers, the description written with
citations, and the command itself.
"""

from ._discovery import AsyncOperation, Sign, async_operations, pointer

__all__ = ["AsyncOperation", "Sign", "async_operations", "pointer"]

"""`async-conformance init`: from a URL and the document it publishes to a target description.

`_discovery` finds the operations a document marks as asynchronous; `_finding` finds the
document on the target; `_scenario` writes the request that starts one; `_probe` starts
it and follows it; `_result` finds its result; `_inference` turns what was seen into a
dialect; `_writing` writes the TOML with its citations; `_command` is the command.
"""

from ._command import add_arguments, run_init
from ._discovery import AsyncOperation, Sign, async_operations, local, pointer

__all__ = [
    "AsyncOperation",
    "Sign",
    "add_arguments",
    "async_operations",
    "local",
    "pointer",
    "run_init",
]

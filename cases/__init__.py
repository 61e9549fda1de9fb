"""The conformance cases: each judges one catalogue requirement against the target."""

"""Judging observations against the catalogue: one module per contract section."""

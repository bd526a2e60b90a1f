"""Postal return of results (VNPost-style adapter, spec §9, issue 17)."""


def connect() -> None:
    """Called from the integrations app's ``ready``."""

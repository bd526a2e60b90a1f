"""Citizen sign-in through the national public-service portal's OIDC (spec §4.2, issue 17)."""


def connect() -> None:
    """Called from the integrations app's ``ready``."""

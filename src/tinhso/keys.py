"""The passphrase that encrypts the platform's own private keys at rest.

Both the demo PKI (``tinhso.results.pki``: the root CA and the agencies' demo signing keys) and the
audit anchor key (``tinhso.audit.anchors``) are PKCS#8 PEM files encrypted with it. It lives here,
below both apps, so that neither imports the other for it.
"""

import hashlib
import hmac

from django.conf import settings


def passphrase() -> bytes:
    """TINHSO_PKI_PASSPHRASE, or a value derived from SECRET_KEY when it is empty."""
    configured: str = settings.TINHSO_PKI_PASSPHRASE
    if configured:
        return configured.encode()
    derived = hmac.new(settings.SECRET_KEY.encode(), b"tinhso-demo-pki", hashlib.sha256)
    return derived.hexdigest().encode()

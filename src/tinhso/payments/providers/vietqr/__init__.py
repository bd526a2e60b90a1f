"""Bank transfer by VietQR: the provider (``provider.py``), the EMVCo payload (``payload.py``) and
the QR images (``qr.py``). The transfers themselves are matched by ``tinhso.payments.statements``."""

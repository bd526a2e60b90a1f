"""VNPay 2.1.0: the provider (``provider.py``), the protocol as pure functions (``protocol.py``),
the merchant's settings (``config.py``), the HTTP client of VNPay's API (``transport.py``) and the
IPN and Return handling (``notifications.py``). The sandbox gateway (``tinhso.payments.sandbox``)
uses ``protocol``, ``config`` and ``transport``; nothing here imports the sandbox."""

"""An in-project VNPay gateway for the demo and the tests (enabled by ``TINHSO_VNPAY_SANDBOX``).

It speaks VNPay 2.1.0 with the merchant's own TmnCode and HashSecret: it checks signed payment
requests as VNPay would, lets the payer pay or cancel, notifies the IPN URL (with optional delay,
duplicates and a late contradictory notice), sends the browser back to the Return URL, and
answers ``querydr`` and ``refund``. Its transactions are JSON files under
``TINHSO_VNPAY_SANDBOX_DIR``, so the sandbox adds no table to a production database. Never enable
it next to a real merchant account: anyone could then "pay" with it.
"""

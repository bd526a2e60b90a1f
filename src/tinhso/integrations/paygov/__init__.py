"""The national payment platform (PayGov, spec §5) as a payment provider (issue 17)."""


def connect() -> None:
    """Register the provider with the payments registry (called from the app's ``ready``), the
    outbox system that fetches receipts (GET_BILL) and the reconciliation task."""
    from tinhso.integrations import systems  # why: loaded with the app, not at package import
    from tinhso.integrations.paygov import provider, tasks  # why: @register and @shared_task run
    from tinhso.integrations.paygov.system import PaygovSystem  # why: needs the app registry

    assert provider.PROVIDER_ID and tasks.reconcile_paygov_payments
    systems.register(PaygovSystem())

"""The citizen's data store on the national portal (Kho quản lý dữ liệu điện tử, spec §6) (issue 17).

- ``system``: signed results pushed there through the outbox (the "result signed" dossier event
  → an item of system ``kho``), delivered by the worker.
- ``client``: the store's HTTP client (push; the list and the files a citizen reuses).
- ``reuse``: what the filing page offers from the store, and the copy of a chosen document.
docs/datastore.md.
"""


def connect() -> None:
    """Register the store's outside system and subscribers (called from the app's ``ready``)."""
    from tinhso.dossiers import events  # why: loaded from ready(), when the apps are
    from tinhso.integrations import systems  # why: as above
    from tinhso.integrations.datastore import system  # why: imports models, so after the registry

    systems.register(system.DatastoreSystem())
    events.register_batch(system.SUBSCRIBER, system.handle)


def disconnect() -> None:
    """Stop enqueuing pushes (tests that check the subscriber's absence)."""
    from tinhso.dossiers import events  # why: as in connect()

    events.unregister("datastore")

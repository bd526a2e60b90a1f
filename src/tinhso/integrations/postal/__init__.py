"""Postal return of results (VNPost-style adapter, spec §9, issue 17; docs/postal.md).

- ``system``: the dossier reaching ``result_ready`` for postal return → one outbox item of system
  ``buudien``; the worker creates the order (``client``) and records the ``Shipment``.
- ``tracking``: the post's notifications (``views``, ``/postal/tracking``) and the poll
  (``tasks``): the shipment's events, the return of the dossier by post, delivery, return to sender.
"""


def connect() -> None:
    """Register the post's outside system and subscriber (called from the app's ``ready``)."""
    from tinhso.dossiers import events  # why: loaded from ready(), when the apps are
    from tinhso.integrations import systems  # why: as above
    from tinhso.integrations.postal import (  # noqa: F401  why: registers the task
        system,
        tasks,
        views,  # why: as above
    )
    from tinhso.middleware import register_error_format  # why: the core's hook, as the app's

    systems.register(system.PostalSystem())
    events.register_batch(system.SUBSCRIBER, system.handle)
    # Input the middleware refuses (NUL, not UTF-8) is answered in the endpoint's JSON form.
    register_error_format("/postal/", views.bad_input)


def disconnect() -> None:
    from tinhso.dossiers import events  # why: as in connect()

    events.unregister("postal")

"""One notice per dossier per use case, for receivers that follow dossier changes.

A use case saves a dossier several times (filing saves it, its attachments and its history; a
receipt saves it again after the deadline is computed). A receiver that recomputes something per
dossier on every ``post_save`` would do that work once per save. Inside ``batch()`` such a
receiver calls ``note(dossier_id)`` instead and receives ``dossiers_changed`` once, with every
dossier touched, at the end of the block — still inside the use case's transaction, so what it
writes commits or rolls back with the change. Nothing here knows who listens (the operations
centre does), so this app does not depend on them.

Written by hand: Django offers ``on_commit`` (after the commit, too late for data that must
commit together) but no hook that runs just before it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.dispatch import Signal

# Sent at the end of a batch with ``dossier_ids`` (a frozenset), inside the caller's transaction.
dossiers_changed = Signal()
_pending: ContextVar[set[int] | None] = ContextVar("tinhso_dossier_batch", default=None)


def note(dossier_id: int) -> bool:
    """Record a change for the end of the current batch; False when no batch is open."""
    pending = _pending.get()
    if pending is None:
        return False
    pending.add(dossier_id)
    return True


@contextmanager
def batch() -> Iterator[None]:
    """Collect notes until the block ends, then send them once (use inside the transaction).
    A nested batch belongs to the outer one; a block that raises sends nothing."""
    if _pending.get() is not None:
        yield
        return
    token = _pending.set(set())
    try:
        yield
        ids = frozenset(_pending.get() or ())
    finally:
        _pending.reset(token)
    if ids:
        dossiers_changed.send(sender=None, dossier_ids=ids)

"""Procedure versions kept per process for filing: the version, its documents, its workflow steps
and its competent agencies, loaded once and reused until the catalogue changes.

A filing used to load all of that on every request (a five-table join, then one query each for
the documents, the steps and the agencies). Here the only catalogue read left per request is the
statement that finds the version in force (``selectors.version_by_code``); it also reads the
catalogue's stamp (``CatalogueRevision``), a random token replaced in the transaction of every
change to a procedure, a version, its documents, steps or agencies, a field or an agency. A
process keeps each version with the stamp it was loaded under and loads it again when the stamp
it reads differs — so a change is seen by the next filing in every process, with no shared cache
and no message between processes. Changes through the admin, the catalogue loader and model
``save()``/``delete()`` replace the stamp through the signal receivers connected here; code that
writes catalogue rows with ``QuerySet.update()``/``bulk_create`` (which send no signals) calls
:func:`catalogue_changed` in the same transaction, as the loader does.

The cached ``ProcedureVersion`` instance is shared by the requests of the process: read it, never
change or save it (load the version from the database for that, as the admin does).
"""

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Subquery
from django.db.models.signals import m2m_changed, post_delete, post_save

from tinhso.agencies.models import Agency
from tinhso.procedures.models import (
    CatalogueRevision,
    Field,
    Procedure,
    ProcedureVersion,
    RequiredDocument,
    WorkflowStep,
)

MAX_ENTRIES = 4096  # a provincial catalogue has about 2,000 procedures in force
REVISION_ID = 1


@dataclass(frozen=True)
class CachedVersion:
    """One version as a filing needs it: ``version`` (with its procedure, field, default and
    receiving agencies, documents and steps prefetched) and its competent agencies."""

    stamp: str
    version: ProcedureVersion
    agencies: tuple[Agency, ...]


_entries: dict[int, CachedVersion] = {}
_lock = threading.Lock()


def stamp_subquery() -> Subquery:
    """The catalogue's current stamp, to annotate onto the query that finds a version (NULL
    before the first change is recorded)."""
    return Subquery(CatalogueRevision.objects.filter(pk=REVISION_ID).values("stamp")[:1])


def catalogue_changed() -> None:
    """Record a change to the catalogue (one statement, in the caller's transaction): every
    process reloads the versions it keeps at its next read."""
    CatalogueRevision.objects.bulk_create(
        [CatalogueRevision(pk=REVISION_ID, stamp=uuid.uuid4().hex)],
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["stamp"],
    )


Loader = Callable[[int], tuple[ProcedureVersion, tuple[Agency, ...]]]


def version(pk: int, stamp: str | None, load: Loader) -> ProcedureVersion:
    """The version ``pk`` as of ``stamp``: the kept copy when it was loaded under that stamp,
    else the one ``load(pk)`` reads (version, competent agencies), kept for the next call. With
    no stamp recorded yet nothing is kept.

    The stamp is read before the load, so a copy is never older than its stamp: a change that
    commits between the two is loaded already, and replaced at the next read of the new stamp."""
    entry = _entries.get(pk)
    if entry is not None and stamp is not None and entry.stamp == stamp:
        return entry.version
    loaded, agencies = load(pk)
    if stamp is None:
        return loaded
    fresh = CachedVersion(stamp=stamp, version=loaded, agencies=agencies)
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[pk] = fresh
    return fresh.version


def competent(version: ProcedureVersion) -> tuple[Agency, ...] | None:
    """The competent agencies kept with ``version`` when it is the instance this cache handed
    out (so as fresh as the stamp it was handed out under); None otherwise."""
    entry = _entries.get(version.pk)
    if entry is not None and entry.version is version:
        return entry.agencies
    return None


def clear() -> None:
    """Forget every kept version (tests, benchmarks)."""
    with _lock:
        _entries.clear()


# --- what changes the catalogue --------------------------------------------------------------

WATCHED: tuple[type[Any], ...] = (
    Field,
    Procedure,
    ProcedureVersion,
    RequiredDocument,
    WorkflowStep,
    Agency,
)
DISPATCH_PREFIX = "procedures-cache"


def _changed(sender: Any, **kwargs: Any) -> None:
    catalogue_changed()


def _agencies_changed(sender: Any, action: str, **kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        catalogue_changed()


def connect() -> None:
    """Replace the stamp on every save or delete of a catalogue row (``ProceduresConfig.ready``)."""
    for model in WATCHED:
        uid = f"{DISPATCH_PREFIX}-{model.__name__}"
        post_save.connect(_changed, sender=model, dispatch_uid=uid)
        post_delete.connect(_changed, sender=model, dispatch_uid=uid)
    m2m_changed.connect(
        _agencies_changed,
        sender=ProcedureVersion.agencies.through,
        dispatch_uid=f"{DISPATCH_PREFIX}-agencies",
    )

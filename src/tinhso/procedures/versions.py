"""New procedure versions from changed national facts (R-NAT-040), and publication facts.

This module knows nothing of the national portal: it receives plain values (``NationalFacts``,
``Publication``) that the importer (``tinhso.integrations.national.catalogue``) read from a package.
A value left ``None`` is unknown or was refused by the importer (an unknown time unit, a missing
component): the current version's value is kept.

A change never touches a version dossiers may use: it makes a new version copied from the latest
one (workflow, e-form, agencies, exemptions, result papers are ours: a national package carries
none of them), with the national facts replaced, in force from the decision's effective date (or
the fetch date). The previous version's period ends where the new one starts (``effective_to`` is
exclusive, as everywhere in the catalogue), so open dossiers keep their version and their deadline.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from tinhso.procedures.cache import catalogue_changed
from tinhso.procedures.models import (
    Procedure,
    ProcedureVersion,
    RequiredDocument,
    WorkflowStep,
)
from tinhso.text import fold


@dataclass(frozen=True)
class DocumentFact:
    """One dossier component of a package (THANHPHANHOSO/GIAYTO)."""

    code: str
    name: str
    original: bool = True
    quantity: int = 1


@dataclass(frozen=True)
class NationalFacts:
    """What the national TTHC database says of a procedure; ``None`` = keep ours."""

    name: str | None = None
    processing_days: Decimal | None = None  # counter (KENH 1), working days
    processing_days_online: Decimal | None = None  # online (KENH 2), working days
    fee: int | None = None  # counter, đồng
    fee_online: int | None = None
    documents: tuple[DocumentFact, ...] | None = None
    legal_basis: str | None = None
    applicant_types: tuple[str, ...] | None = None
    missing: tuple[str, ...] = ()  # components the package lacks (1.3)


@dataclass(frozen=True)
class Publication:
    """The publication decision (quyết định công bố) and the day the procedure was made public on
    the national database."""

    decision_number: str = ""
    decision_date: datetime.date | None = None
    effective_on: datetime.date | None = None
    published_on: datetime.date | None = None


@dataclass(frozen=True)
class Applied:
    version: ProcedureVersion  # the latest version after the change
    created: bool  # a new version was made
    changed: tuple[str, ...]  # the facts that differed


def latest(procedure: Procedure) -> ProcedureVersion | None:
    """The procedure's newest version (the base of the next one, even if not yet in force)."""
    return procedure.versions.order_by("-version").first()


def _same_text(a: str, b: str) -> bool:
    """Equal once folded and stripped of punctuation and spacing, or made of the same words: the
    national database and our files write the same legal texts with different separators."""
    words_a = "".join(ch if ch.isalnum() else " " for ch in fold(a)).split()
    words_b = "".join(ch if ch.isalnum() else " " for ch in fold(b)).split()
    return words_a == words_b or set(words_a) == set(words_b)


def _document_names(version: ProcedureVersion) -> list[str]:
    return sorted(fold(d.name).strip() for d in version.documents.all())


def differences(version: ProcedureVersion, facts: NationalFacts) -> list[str]:
    """The facts (field names) of ``facts`` that differ from ``version``'s; unknown ones never do.
    Time limits and fees are compared as they apply (an online value equal to the counter's is
    the same as none)."""
    changed = []
    if facts.name is not None and not _same_text(facts.name, version.name):
        changed.append("name")
    if facts.processing_days is not None and facts.processing_days != version.processing_days:
        changed.append("processing_days")
    if (
        facts.processing_days_online is not None
        and facts.processing_days_online != version.processing_days_for(True)
    ):
        changed.append("processing_days_online")
    if facts.fee is not None and facts.fee != version.fee:
        changed.append("fee")
    if facts.fee_online is not None and facts.fee_online != version.fee_for(True):
        changed.append("fee_online")
    if facts.documents is not None and sorted(
        fold(d.name).strip() for d in facts.documents
    ) != _document_names(version):
        changed.append("documents")
    if facts.legal_basis is not None and not _same_text(facts.legal_basis, version.legal_basis):
        changed.append("legal_basis")
    return changed


def record_publication(
    version: ProcedureVersion,
    publication: Publication,
    *,
    applicant_types: tuple[str, ...] | None = None,
    missing: tuple[str, ...] | None = None,
) -> None:
    """Record the publication facts on ``version`` in place (frozen or not: they do not change
    how a dossier is handled). Empty values leave the recorded ones alone."""
    fields = []
    for name, value in (
        ("decision_number", publication.decision_number),
        ("decision_date", publication.decision_date),
        ("decision_effective_on", publication.effective_on),
        ("published_on", publication.published_on),
    ):
        if value and getattr(version, name) != value:
            setattr(version, name, value)
            fields.append(name)
    if applicant_types is not None and list(applicant_types) != version.applicant_types:
        version.applicant_types = list(applicant_types)
        fields.append("applicant_types")
    if missing is not None and version.national_missing != list(missing):
        version.national_missing = list(missing)
        fields.append("national_missing")
    if fields:
        version.save(update_fields=fields)


def _documents(base: ProcedureVersion, facts: tuple[DocumentFact, ...]) -> list[RequiredDocument]:
    """The new version's components: a package component with the name of one of ours keeps our
    code (the e-form's ``x-declaration`` and the portal's uploads refer to it) and our flags; a new
    one takes the package's code, required and accepted as an electronic copy."""
    ours = {fold(d.name).strip(): d for d in base.documents.all()}
    used: set[str] = set()
    out = []
    for position, fact in enumerate(facts, start=1):
        mine = ours.get(fold(fact.name).strip())
        code = mine.code if mine is not None else (fact.code or f"GT{position}")[:40]
        while code in used:
            code = f"{code[:36]}-{position}"
        used.add(code)
        out.append(
            RequiredDocument(
                position=position,
                code=code,
                name=fact.name[:400],
                original=fact.original,
                quantity=max(1, fact.quantity),
                e_copy_accepted=mine.e_copy_accepted if mine is not None else True,
                required=mine.required if mine is not None else True,
            )
        )
    return out


@transaction.atomic
def new_version(
    base: ProcedureVersion,
    facts: NationalFacts,
    publication: Publication,
    *,
    effective_from: datetime.date,
) -> ProcedureVersion:
    """A new version of ``base``'s procedure, copied from ``base`` with ``facts`` replaced and
    in force from ``effective_from`` (never on or before ``base``'s own start: a version must have
    a period of its own); ``base``'s period ends where it starts."""
    effective_from = max(effective_from, base.effective_from + datetime.timedelta(days=1))
    documents = list(base.documents.all())
    steps = list(base.steps.all())
    agencies = list(base.agencies.all())
    values: dict[str, Any] = {
        f.attname: getattr(base, f.attname)
        for f in ProcedureVersion._meta.concrete_fields
        if f.name not in ("id", "version", "effective_from", "effective_to", "search_text")
    }
    version = ProcedureVersion(**values)
    version.version = base.version + 1
    version.effective_from = effective_from
    version.effective_to = None
    if facts.name is not None:
        version.name = facts.name[:400]
    if facts.processing_days is not None:
        version.processing_days = facts.processing_days
    if facts.processing_days_online is not None:
        same = facts.processing_days_online == version.processing_days
        version.processing_days_online = None if same else facts.processing_days_online
    if version.same_day and version.processing_days > 1:
        # "settled on the day of receipt" carries 1 day as its upper bound (docs/catalogue.md): a
        # longer national time limit ends it
        version.same_day, version.same_day_cutoff = False, None
    if facts.fee is not None:
        version.fee = facts.fee
    if facts.fee_online is not None:
        version.fee_online = None if facts.fee_online == version.fee else facts.fee_online
    if facts.legal_basis is not None:
        version.legal_basis = facts.legal_basis
    if facts.applicant_types is not None:
        version.applicant_types = list(facts.applicant_types)
    version.national_missing = list(facts.missing)
    version.decision_number = publication.decision_number
    version.decision_date = publication.decision_date
    version.decision_effective_on = publication.effective_on
    version.published_on = publication.published_on
    version.save()
    version.agencies.set(agencies)
    if facts.documents is not None:
        new_documents = _documents(base, facts.documents)
    else:
        new_documents = [
            RequiredDocument(
                position=d.position,
                code=d.code,
                name=d.name,
                original=d.original,
                quantity=d.quantity,
                e_copy_accepted=d.e_copy_accepted,
                required=d.required,
            )
            for d in documents
        ]
    for document in new_documents:
        document.version = version
    RequiredDocument.objects.bulk_create(new_documents)
    WorkflowStep.objects.bulk_create(
        WorkflowStep(
            version=version,
            position=s.position,
            name=s.name,
            role=s.role,
            action=s.action,
            share=s.share,
        )
        for s in steps
    )
    ProcedureVersion.objects.filter(pk=base.pk).update(effective_to=effective_from)
    catalogue_changed()  # bulk writes and update() send no signal
    return version


@transaction.atomic
def apply_national(
    procedure: Procedure,
    facts: NationalFacts,
    publication: Publication,
    *,
    fetched_on: datetime.date,
) -> Applied | None:
    """Bring ``procedure`` in line with the national facts: a new version when they differ from
    its latest version (in force from the decision's effective date, else ``fetched_on``), else
    the publication facts recorded on the latest version. None when it has no version at all (a
    procedure needs a workflow and an e-form of ours before it can have one)."""
    base = latest(procedure)
    if base is None:
        return None
    changed = differences(base, facts)
    if not changed:
        record_publication(
            base, publication, applicant_types=facts.applicant_types, missing=facts.missing
        )
        return Applied(base, False, ())
    made = new_version(
        base, facts, publication, effective_from=publication.effective_on or fetched_on
    )
    return Applied(made, True, tuple(changed))


def set_in_use(*, listed: set[str]) -> tuple[int, int]:
    """R-NAT-041: procedures not in the national list of the province are marked not in use (never
    deleted); listed ones are in use again. Returns (marked not in use, back in use)."""
    dropped = Procedure.objects.filter(in_use=True).exclude(code__in=listed).update(in_use=False)
    back = Procedure.objects.filter(in_use=False, code__in=listed).update(in_use=True)
    if dropped or back:
        catalogue_changed()
    return dropped, back

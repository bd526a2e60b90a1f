"""Demo inputs of the national platforms' 766 indicators (4.4, 4.5a, 4.5b; issue 17).

The synthetic history (``tinhso generate``, ``GEN-…`` dossiers) carries no attachments and no
population lookups, so on a fresh demo those indicators would read 0 %. This loader gives the
current month's synthetic dossiers what a connected province would have recorded:

- a population lookup that found the applicant, linked to the first dossier of each agency and
  procedure and to every second one after it (what the clerk's "Tra cứu CSDL quốc gia về dân cư"
  button records at the counter, and the applicant's own lookup when filing online; 4.5a/b);
- for up to ``REUSE_PER_AGENCY`` online dossiers of each agency, one component taken from the
  citizen's national data store (a stored copy with its ``NationalCopy`` and the attachment that
  reuses it, 4.4).

Every row is marked as demo data: request ids ``DEMO-<dossier code>`` and store locations
``DEMO/…``; the personal IDs are made up and follow the structure only. Idempotent (a second run
adds nothing). Called by ``tinhso load_demo --with-history`` after the history is generated; never
with production settings.
"""

import datetime
import hashlib
import io
from collections import defaultdict

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from pypdf import PdfWriter

from tinhso.accounts.demo import ensure_demo_allowed
from tinhso.accounts.models import User
from tinhso.dossiers.models import Attachment, Dossier
from tinhso.integrations.datastore.models import NationalCopy
from tinhso.integrations.population.models import PopulationLookup
from tinhso.stores.models import StoredDocument

PREFIX = "GEN-"  # the synthetic history's dossier codes (ioc/generate.py)
LOOKUP_SHARE = 2  # every second dossier of the month was looked up
ONLINE_PURPOSE = PopulationLookup.Purpose.API
REUSE_PER_AGENCY = 3
REQUEST_PREFIX = "DEMO-"
GENERATOR = "ioc.generator"  # the synthetic history's filing account
STORE_OWNER = "citizen1"  # a demo citizen of tinhso.demo holds the reused copies


def _pdf() -> bytes:
    """A one-page blank PDF: the illustrative document a demo dossier reuses."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Giấy tờ minh họa (dữ liệu demo)"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _personal_id(number: int) -> str:
    """A made-up 12-digit ID of the right structure: province 086, a man born in 1990."""
    return f"086090{number % 1_000_000:06d}"


def _month(today: datetime.date) -> list[Dossier]:
    first = today.replace(day=1)
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time()))
    return list(
        Dossier.objects.filter(code__startswith=PREFIX, received_at__gte=start)
        .select_related("procedure_version")
        .order_by("pk")
    )


@transaction.atomic
def load(today: datetime.date | None = None) -> tuple[int, int]:
    """Add the demo lookups and reuses of the current month; answers how many of each it added."""
    ensure_demo_allowed()
    today = today or timezone.localdate()
    generator = User.objects.filter(username=GENERATOR).first()
    if generator is None:  # no synthetic history: nothing to complete
        return 0, 0
    dossiers = _month(today)
    return _lookups(dossiers, generator), _reuses(dossiers)


def _looked_up(dossiers: list[Dossier]) -> list[Dossier]:
    """The first dossier of each agency and procedure, and every second one after it."""
    seen: set[tuple[int, int]] = set()
    chosen = []
    for index, d in enumerate(dossiers):
        pair = (d.agency_id, d.procedure_version.procedure_id)
        if pair not in seen or index % LOOKUP_SHARE == 0:
            chosen.append(d)
        seen.add(pair)
    return chosen


def _lookups(dossiers: list[Dossier], generator: User) -> int:
    rows = [
        PopulationLookup(
            request_id=f"{REQUEST_PREFIX}{d.code}",
            personal_id=_personal_id(d.pk),
            requested_by=generator,
            dossier=d,
            purpose=ONLINE_PURPOSE if d.channel == 2 else PopulationLookup.Purpose.COUNTER,
            outcome=PopulationLookup.Outcome.FOUND,
            fields_sent=["SoDinhDanh", "HoVaTen"],
            comparison={"name": "matched", "address": "matched"},
            fields_copied=["address"],
            created_at=d.received_at or d.submitted_at or timezone.now(),
        )
        for d in _looked_up(dossiers)
    ]
    known = set(
        PopulationLookup.objects.filter(request_id__in=[r.request_id for r in rows]).values_list(
            "request_id", flat=True
        )
    )
    fresh = [r for r in rows if r.request_id not in known]
    PopulationLookup.objects.bulk_create(fresh, batch_size=500)
    return len(fresh)


def _reuses(dossiers: list[Dossier]) -> int:
    owner = User.objects.filter(username=STORE_OWNER).first()
    if owner is None:
        return 0
    reused = set(
        Attachment.objects.filter(
            dossier__in=dossiers, reused_from__national_copy__isnull=False
        ).values_list("dossier_id", flat=True)
    )
    per_agency: dict[int, list[Dossier]] = defaultdict(list)
    for d in dossiers:
        if d.channel == 2:
            per_agency[d.agency_id].append(d)
    content = _pdf()
    digest = hashlib.sha256(content).hexdigest()
    added = 0
    for agency_dossiers in per_agency.values():
        for d in agency_dossiers[:REUSE_PER_AGENCY]:
            if d.pk in reused:
                continue
            first = d.procedure_version.documents.order_by("position").first()
            code = first.code if first is not None else "TP1"
            title = (first.name if first is not None else "Giấy tờ minh họa")[:300]
            stored = StoredDocument(
                owner=owner,
                kind=StoredDocument.Kind.RESULT,
                title=title,
                content_type="application/pdf",
                size=len(content),
                sha256=digest,
                document_number=f"DEMO/{d.code}",
                issued_at=d.submitted_at,
            )
            stored.file.save(f"demo-{d.code}.pdf", ContentFile(content), save=False)
            stored.save()
            NationalCopy.objects.create(
                document=stored,
                owner_number="083095001234",
                document_number=stored.document_number,
                location=f"DEMO/{d.code}",
                sha256=digest,
            )
            attachment = Attachment(
                dossier=d,
                document_code=code,
                original_name=f"{code}.pdf",
                content_type="application/pdf",
                size=len(content),
                sha256=digest,
                uploaded_by=d.filed_by,
                reused_from=stored,
            )
            attachment.file.save(f"{code}.pdf", ContentFile(content), save=False)
            attachment.save()
            added += 1
    return added

"""The per-process catalogue cache: a version found in one statement while the catalogue is
unchanged, and every change — a new version published, a version edited, its documents, steps or
agencies, an agency — seen by the next filing."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tinhso.agencies.models import Agency
from tinhso.dossiers import services
from tinhso.procedures import cache
from tinhso.procedures.loader import load_catalogue
from tinhso.procedures.models import CatalogueRevision, ProcedureVersion, RequiredDocument
from tinhso.procedures.selectors import competent_agencies, version_by_code
from tinhso.testing import FORM_DATA, make_cast, make_version

CODE = "2.000001"  # the cast's province-level procedure


@pytest.fixture
def cast(db):
    return make_cast()


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def file(cast, **extra):
    version = version_by_code(CODE)
    assert version is not None
    dossier, _ = services.file_dossier(
        user=cast.citizen,
        version=version,
        data=dict(FORM_DATA),
        applicant=services.Applicant.from_user(cast.citizen),
        **extra,
    )
    return dossier


def stamp() -> str | None:
    return CatalogueRevision.objects.values_list("stamp", flat=True).first()


def test_a_kept_version_is_found_in_one_statement_with_its_documents_steps_and_agencies(cast):
    first = version_by_code(CODE)
    with CaptureQueriesContext(connection) as queries:
        again = version_by_code(CODE)
        assert again is not None
        documents = [d.code for d in again.documents.all()]
        steps = [s.role for s in again.steps.all()]
        agencies = competent_agencies(again)
        names = (again.procedure.code, again.field.name, again.default_agency)
    assert again is first
    assert len(queries.captured_queries) == 1, queries.captured_queries
    assert documents == ["TK", "CCCD"] and steps == ["clerk", "specialist", "leader", "clerk"]
    assert agencies == [cast.dept] and names == (CODE, "Hộ tịch", cast.dept)


def test_publishing_a_new_version_is_seen_by_the_next_filing(cast):
    assert file(cast).procedure_version_id == cast.province_procedure.pk  # version 1 is kept
    today = timezone.localdate()
    newer = make_version(
        CODE,
        level="province",
        agencies=[cast.dept],
        receiving=cast.centre,
        fee=50_000,
        effective_from=today,
        version=2,
    )
    newer.documents.filter(code="CCCD").update(required=True)  # no signal: the loader's way…
    cache.catalogue_changed()  # … so the change is recorded by hand, in the same transaction
    dossier = file(cast)
    assert dossier.procedure_version_id == newer.pk
    assert dossier.fee_amount == 50_000
    assert version_by_code(CODE) is dossier.procedure_version
    required = [d.code for d in dossier.procedure_version.documents.all() if d.required]
    assert required == ["TK", "CCCD"]


def test_editing_the_version_in_force_is_seen_by_the_next_filing(cast):
    assert file(cast).fee_amount == 100_000  # filed online
    edited = ProcedureVersion.objects.get(pk=cast.province_procedure.pk)
    edited.fee_online = 30_000
    edited.save()
    assert file(cast).fee_amount == 30_000


def test_a_document_added_to_the_version_is_required_at_the_next_filing(cast):
    before = version_by_code(CODE)
    assert before is not None and [d.code for d in before.documents.all()] == ["TK", "CCCD"]
    RequiredDocument.objects.create(
        version=cast.province_procedure, position=3, code="ANH", name="Ảnh 4x6"
    )
    after = version_by_code(CODE)
    assert after is not before
    assert [d.code for d in after.documents.all()] == ["TK", "CCCD", "ANH"]


def test_an_agency_removed_from_the_procedure_is_refused_at_the_next_filing(cast):
    assert file(cast, agency=cast.dept).agency_id == cast.dept.pk
    cast.province_procedure.agencies.add(cast.other_dept)
    assert file(cast, agency=cast.other_dept).agency_id == cast.other_dept.pk
    cast.province_procedure.agencies.remove(cast.other_dept)
    with pytest.raises(services.InvalidInput) as refused:
        file(cast, agency=cast.other_dept)
    assert refused.value.field == "agency"


def test_a_commune_committee_closed_is_no_longer_competent(cast):
    version = version_by_code("1.000001")
    assert version is not None and cast.other_commune in competent_agencies(version)
    closed = Agency.objects.get(pk=cast.other_commune.pk)
    closed.is_active = False
    closed.save()
    version = version_by_code("1.000001")
    assert version is not None and cast.other_commune not in competent_agencies(version)


def test_a_change_made_by_another_process_is_seen_through_the_stamp_alone(cast):
    """Another process's change reaches this one through the database only: here the row and
    the stamp are written with QuerySet.update(), which tells this process nothing."""
    kept = version_by_code(CODE)
    assert kept is not None and kept.fee_online == 100_000
    ProcedureVersion.objects.filter(pk=kept.pk).update(fee_online=70_000)
    assert version_by_code(CODE) is kept  # same stamp: the kept copy (as intended)
    CatalogueRevision.objects.update(stamp="written-by-another-process")
    fresh = version_by_code(CODE)
    assert fresh is not kept and fresh is not None and fresh.fee_online == 70_000


def test_every_catalogue_change_gives_a_new_stamp_and_the_loader_records_one(cast):
    seen = {stamp()}
    version = ProcedureVersion.objects.get(pk=cast.province_procedure.pk)
    version.processing_days = Decimal("5")
    version.save()
    seen.add(stamp())
    version.steps.first().delete()
    seen.add(stamp())
    load_catalogue()
    seen.add(stamp())
    assert len(seen) == 4 and None not in seen


def test_a_version_not_yet_in_force_is_not_given_and_one_that_ended_is_not_kept(cast):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    make_version(
        CODE,
        level="province",
        agencies=[cast.dept],
        fee=99_000,
        effective_from=tomorrow,
        version=2,
    )
    today = version_by_code(CODE)
    assert today is not None and today.version == 1
    later = version_by_code(CODE, tomorrow)
    assert later is not None and later.version == 2 and later.fee == 99_000
    ProcedureVersion.objects.filter(pk=cast.province_procedure.pk).update(effective_to=tomorrow)
    assert version_by_code(CODE, tomorrow + datetime.timedelta(days=1)).version == 2
    assert version_by_code("9.999999") is None

"""The catalogue import from the national TTHC database (spec §3, R-NAT-040..042): a package
read into plain values, new versions on change, publication facts, "not in use", unknown
procedures. The national database is played by ``Gateway`` (its answers, as the client unwraps
them); the HTTP path against the sandbox is in ``test_catalogue_sandbox.py``."""

import copy
import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from tinhso.dossiers import services
from tinhso.dossiers.models import Channel
from tinhso.integrations.national import catalogue
from tinhso.integrations.national.client import Reply
from tinhso.procedures.models import Procedure, ProcedureSnapshot, ProcedureVersion
from tinhso.procedures.selectors import search_procedures
from tinhso.testing import FORM_DATA, make_version, pdf_upload
from tinhso.uploads import check_upload

pytestmark = pytest.mark.django_db
VN = datetime.timezone(datetime.timedelta(hours=7))


def package_for(version, *, decision="QD-1", unit="Ngày làm việc", extra_fee=0, extra_days=0):
    """A package whose facts equal ``version``'s (what the sandbox's fixtures do)."""
    days = version.processing_days + extra_days
    online = version.processing_days_for(True) + extra_days

    def channel(kenh, amount, fee):
        fees = [{"MAPHILEPHI": "LP", "SOTIEN": str(fee), "DONVI": "Đồng"}] if fee else []
        return {
            "KENH": kenh,
            "THOIGIAN": [{"THOIGIANGIAIQUYET": str(amount), "DONVITINH": unit, "PHILEPHI": fees}],
        }

    return {
        "ID": f"id-{version.procedure.code}",
        "MATTHC": version.procedure.code,
        "TENTTHC": f"Thủ tục {version.name}",
        "IDQUYETDINHCONGBO": decision,
        "QUYETDINH": f"{decision}/QĐ-UBND",
        "TRANGTHAI": "1",
        "TRINHTUTHUCHIEN": [
            {"TRUONGHOP": "", "TRINHTU": [{"TENTRINHTU": s.name} for s in version.steps.all()]}
        ],
        "CACHTHUCTHUCHIEN": [
            channel("1", days, version.fee + extra_fee),
            channel("2", online, version.fee_for(True) + extra_fee),
        ],
        "DOITUONGTHUCHIEN": [{"MADOITUONG": "1", "TENDOITUONG": "Công dân Việt Nam"}],
        "THANHPHANHOSO": [
            {
                "TRUONGHOP": "",
                "GIAYTO": [
                    {
                        "MAGIAYTO": f"N{d.code}",
                        "TENGIAYTO": d.name,
                        "SOBANCHINH": "1",
                        "SOBANSAO": "0",
                    }
                    for d in version.documents.all()
                ],
            }
        ],
        "KETQUATHUCHIEN": [{"MAKETQUA": "KQ", "TENKETQUA": "Giấy khai sinh"}],
        "CANCUPHAPLY": [{"SOVANBAN": "60/2014/QH13", "TENVANBAN": "Luật Hộ tịch 60/2014/QH13"}],
        "COQUANTHUCHIEN": [{"MADONVI": "000.00.12.H61", "TENDONVI": "Sở Tư pháp"}],
    }


class Gateway:
    """The national TTHC database's answers to the three catalogue routes (what
    ``NationalClient.gateway`` returns once it has unwrapped them), and the calls it received."""

    def __init__(self, packages=None, decisions=None, listed=None):
        self.packages = packages or {}
        self.decisions = decisions or {}
        self.listed = listed
        self.calls = []
        self.down = False

    def gateway(self, method, route, *, service, params=None, key="", **kw):
        self.calls.append((service, dict(params or {})))
        if self.down:
            return Reply(False, "", "ConnectionError", None, None, kind="connection")
        if service == "LayDanhSachTTHCDonVi":
            codes = self.listed if self.listed is not None else list(self.packages)
            return Reply(True, "0", "", [{"MATTHC": c, "TENTTHC": c} for c in codes], 200)
        if service == "LayThuTuc":
            package = self.packages.get(params["maTTHC"])
            return Reply(True, "0", "", [copy.deepcopy(package)] if package else [], 200)
        decision = self.decisions.get(params["idQDCB"])
        return Reply(True, "0", "", [decision] if decision else [], 200)


def decision(ident, number, signed, effective, public):
    return {
        "IDQUYETDINHCONGBO": ident,
        "SOQUYETDINH": number,
        "NGAYBANHANH": signed,
        "NGAYHIEULUC": effective,
        "COQUANBANHANH": "UBND tỉnh Vĩnh Long",
        "NGAYCONGKHAI": public,
    }


@pytest.fixture
def v1(cast):
    version = make_version("1.001193", level="province", agencies=[cast.dept], days="3", fee=8000)
    version.legal_basis = "Luật Hộ tịch 60/2014/QH13"
    version.result_description = "Giấy khai sinh"
    version.save()
    return version


# --- the package as plain values (no HTTP) -----------------------------------------------------


def test_package_values_per_channel_with_fees_summed_and_hours_converted(v1):
    package = package_for(v1)
    package["CACHTHUCTHUCHIEN"] = [
        {
            "KENH": "1",
            "THOIGIAN": [
                {
                    "THOIGIANGIAIQUYET": "5",
                    "DONVITINH": "Ngày làm việc",
                    "PHILEPHI": [{"SOTIEN": "50.000"}, {"SOTIEN": 8000}],
                }
            ],
        },
        {"KENH": 2, "THOIGIAN": [{"THOIGIANGIAIQUYET": 4, "DONVITINH": "giờ", "PHILEPHI": []}]},
        {"KENH": "3", "THOIGIAN": [{"THOIGIANGIAIQUYET": "9", "DONVITINH": "Ngày làm việc"}]},
    ]
    mapped = catalogue.package_facts(package)
    facts = mapped.facts
    assert (facts.processing_days, facts.fee) == (Decimal("5.00"), 58000)
    assert (facts.processing_days_online, facts.fee_online) == (Decimal("0.50"), 0)
    assert facts.name == v1.name  # "Thủ tục " dropped, as in our files
    assert [d.name for d in facts.documents] == ["Tờ khai", "Căn cước"]
    assert facts.applicant_types == ("Công dân Việt Nam",)
    assert facts.missing == () and mapped.review == []


@pytest.mark.parametrize("unit", ["Ngày", "Tháng", "", "tuần làm việc"])
def test_a_time_unit_that_cannot_be_converted_exactly_is_not_applied_but_flagged(v1, unit):
    mapped = catalogue.package_facts(package_for(v1, unit=unit))
    assert mapped.facts.processing_days is None and mapped.facts.processing_days_online is None
    assert mapped.facts.fee == 8000  # the rest of the channel is read
    assert len(mapped.review) == 2 and "không quy đổi được" in mapped.review[0]


def test_a_package_without_legal_basis_lacks_that_component(v1):
    package = package_for(v1)
    del package["CANCUPHAPLY"]
    package["DOITUONGTHUCHIEN"] = []
    mapped = catalogue.package_facts(package)
    assert mapped.facts.legal_basis is None  # ours is kept
    assert mapped.facts.missing == ("đối tượng thực hiện", "căn cứ pháp lý")
    assert any("căn cứ pháp lý" in line for line in mapped.review)


def test_publication_dates_are_read_from_the_decision():
    pub = catalogue.publication_facts(
        {"QUYETDINH": "fallback"},
        decision("D", "123/QĐ-UBND", "20261201", "20261215", "20261203153000"),
    )
    assert pub.decision_number == "123/QĐ-UBND"
    assert (pub.decision_date, pub.effective_on, pub.published_on) == (
        datetime.date(2026, 12, 1),
        datetime.date(2026, 12, 15),
        datetime.date(2026, 12, 3),
    )
    missing = catalogue.publication_facts({"QUYETDINH": "9/QĐ"}, {"NGAYBANHANH": "bad"})
    assert missing.decision_number == "9/QĐ" and missing.decision_date is None


# --- sync ----------------------------------------------------------------------------------


def test_an_unchanged_package_makes_no_version_but_records_publication_and_a_snapshot(v1):
    gw = Gateway(
        {"1.001193": package_for(v1)},
        {"QD-1": decision("QD-1", "1/QĐ-UBND", "20261201", "20261201", "20261203")},
    )
    report = catalogue.sync(client=gw)
    assert (report.fetched, report.snapshots, report.new_versions, report.published) == (1, 1, 0, 1)
    assert ProcedureVersion.objects.filter(procedure=v1.procedure).count() == 1
    v1.refresh_from_db()
    assert v1.decision_number == "1/QĐ-UBND" and v1.published_on == datetime.date(2026, 12, 3)
    assert v1.applicant_types == ["Công dân Việt Nam"] and v1.national_missing == []
    snap = ProcedureSnapshot.objects.get()
    assert snap.procedure == v1.procedure and snap.version == v1 and not snap.new_version
    assert snap.decision["SOQUYETDINH"] == "1/QĐ-UBND" and len(snap.sha256) == 64
    first_sync = Procedure.objects.get(pk=v1.procedure_id).national_synced_at

    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1)):
        again = catalogue.sync(client=gw)
    assert (again.unchanged, again.snapshots) == (1, 0)
    assert ProcedureSnapshot.objects.count() == 1
    assert Procedure.objects.get(pk=v1.procedure_id).national_synced_at > first_sync
    # the decision is read only when the package changed
    assert [c[0] for c in gw.calls].count("LayQDCB") == 1
    assert "không đổi" in again.summary()


def test_a_changed_package_makes_a_new_version_and_an_open_dossier_keeps_its_deadline(cast, v1):
    with time_machine.travel(datetime.datetime(2026, 12, 7, 8, 0, tzinfo=VN), tick=False):
        dossier, _ = services.file_dossier(
            user=cast.citizen,
            version=v1,
            data=FORM_DATA,
            applicant=services.Applicant.from_user(cast.citizen),
            channel=Channel.ONLINE,
            files=[services.NewFile("TK", check_upload(pdf_upload()))],
        )
        dossier = services.perform_action(
            user=cast.clerk, dossier=dossier, request=services.ActionRequest(action="receive")
        )
    due = dossier.due_at
    assert due is not None
    changed = package_for(v1, decision="QD-2", extra_fee=10_000, extra_days=2)
    gw = Gateway(
        {"1.001193": changed},
        {"QD-2": decision("QD-2", "2/QĐ-UBND", "20261208", "20261210", "20261208")},
    )
    with time_machine.travel(datetime.datetime(2026, 12, 8, 9, 0, tzinfo=VN), tick=False):
        report = catalogue.sync(client=gw)
    assert report.new_versions == 1
    v2 = ProcedureVersion.objects.get(procedure=v1.procedure, version=2)
    assert (v2.fee, v2.fee_online, v2.processing_days) == (18000, None, Decimal("5"))
    assert v2.effective_from == datetime.date(2026, 12, 10)
    assert v2.decision_number == "2/QĐ-UBND"
    assert [d.code for d in v2.documents.all()] == ["TK", "CCCD"]  # our codes kept
    assert [s.action for s in v2.steps.all()] == [s.action for s in v1.steps.all()]
    assert list(v2.agencies.all()) == [cast.dept]
    v1.refresh_from_db()
    assert v1.effective_to == datetime.date(2026, 12, 10) and v1.fee == 8000
    assert ProcedureSnapshot.objects.get().new_version
    dossier.refresh_from_db()
    assert dossier.procedure_version_id == v1.pk and dossier.due_at == due
    assert v1.procedure.version_on(datetime.date(2026, 12, 9)) == v1
    assert v1.procedure.version_on(datetime.date(2026, 12, 10)) == v2


def test_an_unknown_time_unit_is_not_applied_while_the_new_fee_is(v1):
    gw = Gateway({"1.001193": package_for(v1, decision="QD-3", unit="Tháng", extra_fee=10_000)})
    report = catalogue.sync(client=gw)
    assert (report.new_versions, report.flagged) == (1, 1)
    v2 = ProcedureVersion.objects.get(procedure=v1.procedure, version=2)
    assert v2.processing_days == v1.processing_days and v2.fee == 18000
    snap = ProcedureSnapshot.objects.get()
    assert any("Tháng" in line for line in snap.review)


def test_a_procedure_missing_from_the_list_is_not_in_use_and_hidden_from_search(cast, v1):
    other = make_version("2.000635", level="province", agencies=[cast.dept])
    gw = Gateway({"2.000635": package_for(other)})
    report = catalogue.sync(client=gw)
    assert report.not_in_use == 3  # ours and the two of the cast
    assert set(Procedure.objects.filter(in_use=False).values_list("code", flat=True)) == {
        "1.001193",
        cast.province_procedure.procedure.code,
        cast.commune_procedure.procedure.code,
    }
    dropped = Procedure.objects.get(code="1.001193")
    assert not dropped.in_use and dropped.versions.count() == 1  # shown, not deleted
    codes = {v.procedure.code for v in search_procedures()}
    assert codes == {"2.000635"}
    gw.packages["1.001193"] = package_for(v1)
    assert catalogue.sync(client=gw).back_in_use == 1
    assert Procedure.objects.get(code="1.001193").in_use


def test_a_failed_list_fetch_changes_nothing(v1):
    gw = Gateway({})
    gw.down = True
    report = catalogue.sync(client=gw)
    assert report.failed == 1 and report.errors
    assert Procedure.objects.get(code="1.001193").in_use
    assert not ProcedureSnapshot.objects.exists()


def test_a_procedure_we_do_not_hold_is_kept_for_review_not_created(v1):
    foreign = package_for(v1)
    foreign["MATTHC"] = "1.010730"
    gw = Gateway({"1.001193": package_for(v1), "1.010730": foreign})
    report = catalogue.sync(client=gw)
    assert report.unknown == 1
    assert not Procedure.objects.filter(code="1.010730").exists()
    snap = ProcedureSnapshot.objects.get(code="1.010730")
    assert snap.procedure is None and snap.version is None


def test_only_the_given_codes_are_fetched_and_nothing_is_marked_not_in_use(cast, v1):
    make_version("2.000635", level="province", agencies=[cast.dept])
    gw = Gateway({"1.001193": package_for(v1)})
    report = catalogue.sync(codes=["1.001193"], client=gw)
    assert report.fetched == 1 and report.not_in_use == 0
    assert [c[0] for c in gw.calls if c[0] == "LayDanhSachTTHCDonVi"] == []
    assert Procedure.objects.get(code="2.000635").in_use


def test_a_package_that_cannot_be_read_is_counted_as_failed(v1):
    gw = Gateway({}, listed=["1.001193"])
    report = catalogue.sync(client=gw)
    assert (report.failed, report.fetched) == (1, 0)
    assert "LayThuTuc 1.001193" in report.errors[0]


def test_a_package_seen_before_we_held_the_procedure_is_applied_once_we_do(cast, v1):
    foreign = package_for(v1)
    foreign["MATTHC"] = "2.000635"
    gw = Gateway({"2.000635": foreign}, listed=["2.000635"])
    assert catalogue.sync(codes=["2.000635"], client=gw).unknown == 1
    make_version("2.000635", level="province", agencies=[cast.dept])  # added to our catalogue
    report = catalogue.sync(codes=["2.000635"], client=gw)
    assert (report.unchanged, report.snapshots, report.unknown) == (0, 1, 0)
    latest = ProcedureSnapshot.objects.filter(code="2.000635").order_by("-id").first()
    assert latest.procedure.code == "2.000635" and latest.version is not None


def test_a_longer_time_limit_ends_a_same_day_procedure(cast):
    same_day = make_version(
        "1.000656", level="province", agencies=[cast.dept], days="1", same_day=True
    )
    gw = Gateway({"1.000656": package_for(same_day, decision="QD-9", extra_days=2)})
    assert catalogue.sync(codes=["1.000656"], client=gw).new_versions == 1
    v2 = ProcedureVersion.objects.get(procedure=same_day.procedure, version=2)
    assert (v2.processing_days, v2.same_day, v2.same_day_cutoff) == (Decimal("3"), False, None)
    unchanged = Gateway({"1.000656": package_for(v2, decision="QD-9")})
    assert catalogue.sync(codes=["1.000656"], client=unchanged).new_versions == 0

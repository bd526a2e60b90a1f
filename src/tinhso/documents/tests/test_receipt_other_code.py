"""The receipt slip prints the national portal's code next to ours for a dossier filed there
(R-NAT-102, issue 16), and nothing extra for a dossier that has only our code."""

import datetime

import pytest

from tinhso.documents import services
from tinhso.documents.tests import factories as f
from tinhso.documents.tests import pdftools

pytestmark = pytest.mark.django_db

VN = datetime.timezone(datetime.timedelta(hours=7))
NATIONAL = "000.00.12.H61-260105-9000"


def _text(tmp_path, dossier, clerk) -> str:
    at = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=VN)
    entry = f.history(dossier, "receive", at=at, actor=clerk, step_name="Tiếp nhận")
    return pdftools.text(tmp_path, services.render_slip("receipt", dossier=dossier, entry=entry))


def test_a_dossier_filed_on_the_national_portal_shows_both_codes(tmp_path, dossier, clerk):
    dossier.other_code = NATIONAL
    dossier.other_code_issuer = "dvcqg"
    dossier.save(update_fields=["other_code", "other_code_issuer"])
    text = _text(tmp_path, dossier, clerk)
    assert f"Mã hồ sơ: {dossier.code}" in text
    assert f"Mã hồ sơ trên Cổng Dịch vụ công quốc gia: {NATIONAL}" in text


def test_a_dossier_with_only_our_code_shows_one(tmp_path, dossier, clerk):
    text = _text(tmp_path, dossier, clerk)
    assert "Cổng Dịch vụ công quốc gia:" not in text

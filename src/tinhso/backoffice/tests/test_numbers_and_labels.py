"""The back office writes money as a Vietnamese reader does (200.000 đồng), payment providers by
name, and labels that fit the agency (a police counter is not a "UBND xã")."""

import pytest
from django.urls import reverse

from tinhso.agencies.models import Agency
from tinhso.backoffice.forms import ApplicantForm
from tinhso.backoffice.tests.conftest import file_online
from tinhso.payments.models import Payment

pytestmark = pytest.mark.django_db


def test_fee_paid_and_payments_are_written_with_the_thousands_dot_and_the_providers_name(
    cast, login
):
    dossier = file_online(cast)
    dossier.fee_amount = 200000
    dossier.save(update_fields=["fee_amount"])
    Payment.objects.create(
        dossier=dossier, provider="vnpay", reference="TS0000000001", amount=200000
    )
    page = login(cast.clerk).get(reverse("backoffice:dossier", args=[dossier.code]))
    html = page.content.decode()
    assert "Phải nộp 200.000 đồng; đã nộp 0 đồng." in html
    assert "200000" not in html
    assert "<td>VNPay (thẻ, tài khoản, QR ngân hàng)</td><td>200.000 đồng</td>" in html
    assert "<td>vnpay</td>" not in html


def test_counter_agency_label_follows_the_agencies_kind(cast):
    communes = Agency.objects.filter(kind=Agency.Kind.COMMUNE_COMMITTEE)
    assert str(ApplicantForm(agencies=communes).fields["agency"].label) == (
        "UBND xã, phường giải quyết"
    )
    police = Agency.objects.filter(pk__in=[cast.dept.pk, cast.other_dept.pk])
    form = ApplicantForm(agencies=police)
    assert str(form.fields["agency"].label) == "Cơ quan giải quyết"
    assert "UBND xã" not in form.as_div()

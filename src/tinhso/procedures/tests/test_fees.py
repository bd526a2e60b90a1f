"""Fees in integer đồng: fixed, per copy, tiered per page with a cap, exemptions with their reason."""

import pytest

from tinhso.dossiers import services
from tinhso.procedures.loader import load_catalogue
from tinhso.procedures.models import quote_fee
from tinhso.procedures.selectors import version_by_code
from tinhso.testing import make_cast


@pytest.fixture
def catalogue(db):
    make_cast()
    load_catalogue()


def test_per_copy_fee_multiplies_the_unit_price(catalogue):
    extract = version_by_code("2.000635")  # 8.000 đ per copy of a civil-status extract
    assert quote_fee(extract, online=True, data={"so_ban_sao": 3}).amount == 24000
    assert quote_fee(extract, online=True, data={}).amount == 8000


def test_certified_copy_fee_follows_the_page_tiers_and_cap(catalogue):
    copies = version_by_code(
        "2.000815"
    )  # 2.000 đ/page for pages 1-2, 1.000 đ from page 3, ≤ 200.000 đ a copy
    quote = quote_fee(copies, online=False, data={"so_trang_ban_chinh": 3, "so_ban_sao": 2})
    assert (quote.unit_price, quote.quantity, quote.amount) == (5000, 2, 10000)
    assert (
        quote_fee(copies, online=False, data={"so_trang_ban_chinh": 500, "so_ban_sao": 1}).amount
        == 200000
    )


def test_exemption_is_recorded_with_its_reason_and_reduces_the_fee(catalogue):
    enterprise = version_by_code(
        "2.001610"
    )  # 100.000 đ on-line, 20% reduction for converted household firms
    group = enterprise.fee_exemptions[0]["group"]
    quote = quote_fee(enterprise, online=True, data={}, exemption_group=group)
    assert quote.amount == 80000 and quote.exemption["reason"]
    assert quote_fee(enterprise, online=False, data={}).amount == 125000


def test_unknown_exemption_group_is_refused(catalogue):
    version = version_by_code("2.001610")
    with pytest.raises(services.InvalidInput) as info:
        services.quote_dossier_fee(version, {}, 2, "Nhóm không có trong quy định")
    assert info.value.field == "fee_exemption"

"""Account linking of the national portal sign-in (R-NAT-055, R-NAT-057): TechID first, then the
personal ID for citizens or the tax code for enterprises and organisations, else a new account;
never by e-mail; officials, administrators and inactive accounts refused; every outcome audited."""

import pytest

from tinhso.accounts.models import User
from tinhso.audit.models import AuditEntry
from tinhso.integrations.sso import services
from tinhso.integrations.sso.config import SsoRefused
from tinhso.integrations.sso.models import NationalAccount

pytestmark = pytest.mark.django_db

TECH = "6f1c2a4e-0000-4c35-9a51-2d8e5f0a1001"


def citizen_info(**overrides):
    info = {
        "LoaiTaiKhoan": "1",
        "TechID": TECH,
        "HoVaTen": "Nguyễn Văn An",
        "SoDinhDanh": "083095001234",
        "SoDienThoai": "0912345678",
        "ThuDienTu": "an@example.vn",
        "loAs": ["VNEID_LEVEL_2"],
    }
    return info | overrides


def enterprise_info(**overrides):
    info = {
        "LoaiTaiKhoan": "2",
        "TechID": "6f1c2a4e-0000-4c35-9a51-2d8e5f0a2001",
        "HoVaTen": "Trần Văn Bình",
        "MaSoThue": "0100109106",
        "MaSoDoanhNghiep": "0100109106",
        "TenDoanhNghiep": "Công ty TNHH Thương mại Đồng Khởi",
        "ThuDienTu": "ketoan@dongkhoi.vn",
        "loAs": ["VNEID_LEVEL_2"],
    }
    return info | overrides


def last_audit():
    return AuditEntry.objects.filter(action=services.AUDIT_ACTION).order_by("-pk").first()


def test_a_citizen_is_linked_by_personal_id_then_by_tech_id():
    an = User.objects.create_user("an", personal_id="083095001234", kind=User.Kind.CITIZEN)
    first = services.sign_in(info=citizen_info(), claims={})
    assert (first.user, first.linked_by, first.created) == (an, "personal_id", False)
    link = NationalAccount.objects.get(tech_id=TECH)
    assert link.user == an and link.account_type == "1" and link.vneid_verified
    an.personal_id = ""  # the number changes on our side: the TechID link still holds
    an.save()
    again = services.sign_in(info=citizen_info(SoDinhDanh="086088012345"), claims={})
    assert (again.user, again.linked_by) == (an, "tech_id")
    entry = last_audit()
    assert entry.outcome == "success" and entry.actor == an


def test_an_enterprise_is_linked_to_the_business_account_with_its_tax_code():
    firm = User.objects.create_user("dongkhoi", kind=User.Kind.BUSINESS, tax_code="0100109106")
    User.objects.create_user("ca-nhan", kind=User.Kind.CITIZEN, tax_code="0100109106")
    result = services.sign_in(info=enterprise_info(), claims={})
    assert (result.user, result.linked_by) == (firm, "tax_code")


def test_an_organisation_without_an_account_gets_a_new_business_account():
    result = services.sign_in(
        info=enterprise_info(
            LoaiTaiKhoan="3", MaSoThue="0314409058", TenDoanhNghiep="HTX Giao Long"
        ),
        claims={},
    )
    user = result.user
    assert result.created and user.kind == User.Kind.BUSINESS
    assert user.tax_code == "0314409058" and user.full_name == "HTX Giao Long"
    assert not user.has_usable_password() and user.email == ""


def test_never_linked_by_email():
    holder = User.objects.create_user("holder", email="an@example.vn", kind=User.Kind.CITIZEN)
    result = services.sign_in(info=citizen_info(ThuDienTu="an@example.vn"), claims={})
    assert result.user != holder and result.created
    assert result.user.username.startswith("dvcqg-") and "example" not in result.user.username
    assert result.user.email == "" and result.user.personal_id == "083095001234"
    assert result.user.full_name == "Nguyễn Văn An" and result.user.phone == "+84912345678"


@pytest.mark.parametrize("kind", [User.Kind.OFFICIAL, User.Kind.ADMIN])
def test_an_official_or_admin_with_that_personal_id_is_refused(kind):
    User.objects.create_user("canbo", personal_id="083095001234", kind=kind)
    with pytest.raises(SsoRefused) as refused:
        services.sign_in(info=citizen_info(), claims={})
    assert refused.value.reason == "official"
    assert not NationalAccount.objects.exists()
    assert not User.objects.filter(username__startswith="dvcqg-").exists()
    assert last_audit().outcome == "failure"


def test_a_tech_id_linked_to_an_official_is_refused():
    official = User.objects.create_user("canbo", kind=User.Kind.OFFICIAL)
    NationalAccount.objects.create(tech_id=TECH, user=official, account_type="1")
    with pytest.raises(SsoRefused):
        services.sign_in(info=citizen_info(), claims={})


def test_an_inactive_account_is_refused():
    User.objects.create_user("an", personal_id="083095001234", is_active=False)
    with pytest.raises(SsoRefused) as refused:
        services.sign_in(info=citizen_info(), claims={})
    assert refused.value.reason == "inactive"


@pytest.mark.parametrize(
    "info",
    [
        citizen_info(SoDinhDanh="12345"),
        citizen_info(TechID=""),
        citizen_info(LoaiTaiKhoan="9"),
        enterprise_info(MaSoThue="0100109107"),
    ],
)
def test_bad_identity_claims_are_refused_and_nothing_is_created(info):
    with pytest.raises(SsoRefused):
        services.sign_in(info=info, claims={})
    assert not User.objects.filter(username__startswith="dvcqg-").exists()
    assert not NationalAccount.objects.exists()


def test_vneid_level_follows_the_last_sign_in_and_the_configured_values(settings):
    level1 = services.sign_in(info=citizen_info(loAs=["VNEID_LEVEL_1"]), claims={})
    assert not level1.vneid_verified and not services.vneid_verified(level1.user.pk)
    via_acr = services.sign_in(info=citizen_info(loAs=[]), claims={"acr": "VNEID_LEVEL_2"})
    assert via_acr.vneid_verified and services.vneid_verified(via_acr.user.pk)
    settings.TINHSO_DVCQG_SSO_VNEID_LEVEL2_VALUES = ["urn:vneid:loa:2"]
    assert not services.sign_in(info=citizen_info(), claims={}).vneid_verified
    assert services.sign_in(info=citizen_info(loAs="urn:vneid:loa:2"), claims={}).vneid_verified


def test_account_types_not_allowed_by_the_setting_are_refused(settings):
    settings.TINHSO_DVCQG_SSO_ACCOUNT_TYPES = ["1"]
    with pytest.raises(SsoRefused) as refused:
        services.sign_in(info=enterprise_info(), claims={})
    assert refused.value.reason == "account_type"


def test_a_used_state_is_refused_the_second_time():
    services.consume_state("abc")
    assert services.state_was_used("abc")
    with pytest.raises(SsoRefused) as refused:
        services.consume_state("abc")
    assert refused.value.reason == "state_replayed"

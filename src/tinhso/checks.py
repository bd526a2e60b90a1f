"""Deployment checks: ``tinhso check --deploy`` refuses a production start that is not one.

Registered with the ``deploy`` flag (``tinhso.apps``), so they run only under ``check --deploy``
(``make serve`` runs it before starting; docs/deployment.md), never in ``make run`` or the tests:

=============  ==========================================================================
tinhso.E001    ``DEBUG`` is on (``TINHSO_DEBUG`` not ``false``)
tinhso.E002    ``SECRET_KEY`` is the development default, a demo value or too weak
tinhso.E003    results are signed by the demo PKI (``TINHSO_SIGNER_DEFAULT=demo``)
tinhso.E004    the demo root CA is in ``TINHSO_PKI_DIR``: the verifier would trust it
tinhso.E005    ``TINHSO_SITE_URL`` is missing or not an absolute http(s) URL
tinhso.E006    the national portal is the in-project sandbox (``TINHSO_NATIONAL_SANDBOX`` on, or
               ``TINHSO_DVCQG_URL`` left at its development default, the site's own URL)
=============  ==========================================================================

The message is Vietnamese (translated with the interface), the hint says it in English.
"""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.utils.translation import gettext as _

from tinhso.results import pki

# The development default of settings.SECRET_KEY, and the marks of a placeholder key (long enough
# never to turn up by chance in a random key).
DEVELOPMENT_SECRET_KEY = "insecure-development-key-change-me"
PLACEHOLDER_MARKS = ("insecure", "change-me", "changeme", "example", "secret-key", "not-for-prod")
# Django's own rule for a strong key (django.core.checks.security.base, W009).
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_UNIQUE_CHARACTERS = 5


@checks.register(checks.Tags.security, deploy=True)
def check_debug(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not settings.DEBUG:
        return []
    return [
        checks.Error(
            _("Chế độ gỡ lỗi (DEBUG) đang bật: không được chạy bản triển khai thật như vậy."),
            hint="DEBUG is on. Production runs with TINHSO_DEBUG=false.",
            id="tinhso.E001",
        )
    ]


def weak_secret_key(key: str) -> bool:
    lowered = key.lower()
    return (
        key == DEVELOPMENT_SECRET_KEY
        or lowered.startswith("django-insecure")
        or any(mark in lowered for mark in PLACEHOLDER_MARKS)
        or len(key) < MIN_SECRET_KEY_LENGTH
        or len(set(key)) < MIN_SECRET_KEY_UNIQUE_CHARACTERS
    )


@checks.register(checks.Tags.security, deploy=True)
def check_secret_key(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    key = str(getattr(settings, "SECRET_KEY", "") or "")
    if not weak_secret_key(key):
        return []
    return [
        checks.Error(
            _(
                "Khóa bí mật (SECRET_KEY) là khóa mặc định, khóa mẫu hoặc quá yếu: "
                "phiên đăng nhập, mã xác minh và khóa PKI đều dựa vào nó."
            ),
            hint=(
                "SECRET_KEY is the development default, a demo value or too weak. Set "
                f"TINHSO_SECRET_KEY to at least {MIN_SECRET_KEY_LENGTH} random characters, e.g. "
                "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`."
            ),
            id="tinhso.E002",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def check_demo_pki(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    if settings.TINHSO_SIGNER_DEFAULT == "demo":
        errors.append(
            checks.Error(
                _(
                    "Kết quả điện tử đang được ký bằng hạ tầng khóa công khai mẫu (PKI demo), "
                    "không phải chứng thư số của cơ quan."
                ),
                hint=(
                    "Results are signed by the demo PKI (TINHSO_SIGNER_DEFAULT=demo). Give each "
                    "agency a PKCS#12 file or a PKCS#11 token (TINHSO_SIGNER_<SLUG>_*) and leave "
                    "TINHSO_SIGNER_DEFAULT empty; see docs/results.md."
                ),
                id="tinhso.E003",
            )
        )
    if pki.root_credentials().cert_path.exists():
        errors.append(
            checks.Error(
                _(
                    "Thư mục PKI có chứng thư gốc mẫu (demo): trang xác minh sẽ công nhận "
                    "mọi văn bản ký bằng nó."
                ),
                hint=(
                    f"The demo root CA {pki.root_credentials().cert_path} is in TINHSO_PKI_DIR, "
                    "so the verifier trusts it. Remove it (keep audit-anchor.key) or point "
                    "TINHSO_PKI_DIR at the production directory; trust real roots with "
                    "TINHSO_TRUST_ROOTS."
                ),
                id="tinhso.E004",
            )
        )
    return errors


@checks.register(checks.Tags.security, deploy=True)
def check_site_url(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The public URL goes into e-mails, SMS, QR codes and VNPay's Return URL: in production it is
    given, never guessed from a request (development follows the request, settings.py)."""
    url = str(getattr(settings, "TINHSO_SITE_URL", "") or "").strip()
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return []
    return [
        checks.Error(
            _(
                "Chưa khai báo địa chỉ công khai của cổng (TINHSO_SITE_URL): đường dẫn trong "
                "thư điện tử, tin nhắn, mã QR và địa chỉ trả về của VNPay sẽ sai."
            ),
            hint=(
                "TINHSO_SITE_URL is missing or not an absolute URL. Set it to the public URL, "
                "e.g. https://dichvucong.example.gov.vn."
            ),
            id="tinhso.E005",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def check_national_portal(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The national sandbox answers anyone and accepts the demo credentials: a production site
    never serves it, and its national portal is the province's real gateway (issue 16)."""
    own_portal = str(getattr(settings, "TINHSO_DVCQG_URL", "")).startswith("{site_url}")
    if not getattr(settings, "TINHSO_NATIONAL_SANDBOX", False) and not own_portal:
        return []
    return [
        checks.Error(
            _(
                "Cổng DVCQG đang trỏ về môi trường thử nghiệm trong dự án: hồ sơ sẽ không được "
                "đồng bộ lên Cổng Dịch vụ công quốc gia thật."
            ),
            hint=(
                "Set TINHSO_DVCQG_URL (and its credentials TINHSO_DVCQG_*) to the province's "
                "gateway, and TINHSO_NATIONAL_SANDBOX=false."
            ),
            id="tinhso.E006",
        )
    ]

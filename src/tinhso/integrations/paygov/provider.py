"""The national payment platform (PayGov v1.0.6, spec §5) as the payment provider ``paygov``.

- ``start`` sends INIT **directly, while the payer waits** (the one call here made inside a web
  request, with ``TINHSO_PAYGOV_READ_TIMEOUT``) and sends the payer to the platform's
  ``UrlThanhToan``. ``MaThamChieu`` and the exact ``ThoiGianGD`` string are kept in
  ``Payment.details["paygov"]`` and reused verbatim by QUERY and GET_BILL (R-NAT-062).
- ``handle_callback`` (``/payments/paygov/callback``) checks ``MaXacThuc`` in constant time
  (R-NAT-061), confirms through ``services.confirm_payment`` (exactly once, R-NAT-063), and answers
  ``{MaLoi, MoTaLoi, MaDoiTac, ThoiGianGD, MaXacThuc}``. A failure notice after the payment was
  applied keeps it paid and raises an alert (payment event ``late_contradiction``, audit entry,
  error log), as VNPay's late contradicting IPN does.
- ``query`` (QUERY) serves the expiry sweep and the officials' "ask the gateway" button; the
  reconciliation job (``reconcile.py``) uses it too. GET_BILL runs in the worker through the outbox
  (``system.PaygovSystem``), never in the callback's request.
"""

import json
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import requests
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.audit.services import log_event as audit_event
from tinhso.integrations import outbox
from tinhso.integrations.models import IntegrationLog
from tinhso.integrations.paygov import protocol
from tinhso.payments import services
from tinhso.payments.models import Payment, PaymentStatus
from tinhso.payments.providers import (
    PaymentProvider,
    ProviderError,
    ProviderStatus,
    Started,
    register,
)
from tinhso.payments.providers.vnpay.config import site_url

if TYPE_CHECKING:
    from tinhso.dossiers.models import Dossier

logger = logging.getLogger(__name__)

PROVIDER_ID = "paygov"
SYSTEM = "paygov"  # outbox and integration-log name
BILL_OPERATION = "get_bill"
REFERENCE_LENGTH = 10  # "TS" + 8 (services.new_reference)
APPLIED = (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)


@dataclass(frozen=True)
class PaygovConfig:
    partner_code: str
    secret: str
    url: str
    server_ip: str
    timeout: tuple[float, float]

    def endpoint(self, name: str) -> str:
        return f"{self.url.rstrip('/')}/{name}"


def paygov_config() -> PaygovConfig:
    """``TINHSO_PAYGOV_*`` read at call time. ``{site_url}`` is ``TINHSO_SITE_URL`` (never the
    payer's request: every call to the platform is server to server)."""
    config = PaygovConfig(
        partner_code=settings.TINHSO_PAYGOV_PARTNER_CODE,
        secret=settings.TINHSO_PAYGOV_SECRET,
        url=str(settings.TINHSO_PAYGOV_URL).replace("{site_url}", site_url()),
        server_ip=settings.TINHSO_PAYGOV_SERVER_IP,
        timeout=(settings.TINHSO_PAYGOV_CONNECT_TIMEOUT, settings.TINHSO_PAYGOV_READ_TIMEOUT),
    )
    if not config.partner_code or not config.secret:
        raise ProviderError(
            _("Chưa cấu hình mã đối tác và khóa bí mật của Cổng thanh toán quốc gia.")
        )
    return config


def post(config: PaygovConfig, name: str, body: dict[str, Any]) -> requests.Response:
    """POST one message as JSON; every call is written to the integration log (R-NAT-006)."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    started = time.monotonic()
    service, key = str(body.get("LoaiBanTin", name)), str(body.get("MaThamChieu", ""))
    try:
        response = requests.post(
            config.endpoint(name),
            data=data,
            headers={"Content-Type": "application/json"},
            timeout=config.timeout,
        )
    except requests.RequestException as exc:
        outbox.log_call(
            system=SYSTEM,
            service=service,
            key=key,
            request_hash=outbox.request_hash(data),
            message=str(exc),
            latency_ms=int((time.monotonic() - started) * 1000),
            outcome="error",
        )
        logger.warning("PayGov %s for %s failed: %s", service, key, exc)
        raise ProviderError(
            _("Không kết nối được với Cổng thanh toán quốc gia: %(error)s") % {"error": exc}
        ) from exc
    outbox.log_call(
        system=SYSTEM,
        service=service,
        key=key,
        request_hash=outbox.request_hash(data),
        http_status=response.status_code,
        latency_ms=int((time.monotonic() - started) * 1000),
        outcome="ok" if response.ok else "error",
    )
    return response


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def attempt_data(payment: Payment) -> dict[str, str]:
    """What INIT kept: ``MaThamChieu`` and the verbatim ``ThoiGianGD``."""
    data = payment.details.get("paygov") if isinstance(payment.details, dict) else None
    if not isinstance(data, dict) or not data.get("MaThamChieu") or not data.get("ThoiGianGD"):
        raise ProviderError(
            _("Khoản thanh toán này chưa được khởi tạo trên Cổng thanh toán quốc gia.")
        )
    return {"MaThamChieu": str(data["MaThamChieu"]), "ThoiGianGD": str(data["ThoiGianGD"])}


def receipt_data(dossier: "Dossier", amount: int, reference: str) -> dict[str, Any]:
    """``ThongTinBienLai`` (spec §5.2); fine/treasury fields empty for TTHC fees. Which codes
    ``LoaiPhiLePhi`` takes is unconfirmed [U]: Thanh Hóa's "Phi" is sent."""
    version = dossier.procedure_version
    code = str(version.procedure.code)
    name = str(version.name)[:250]
    agency = dossier.agency
    service_code = f"{code}.01" if code else ""
    empty = [
        "MaLoaiHinhThuPhat",
        "TenLoaiHinhThuPhat",
        "MaCoQuanQD",
        "TenCoQuanQD",
        "KhoBac",
        "NgayQD",
        "SoQD",
        "ThoiGianViPham",
        "DiaDiemViPham",
        "TenNguoiViPham",
        "TaiKhoanThuNSNN",
    ]
    data: dict[str, Any] = {
        "MaDichVu": "2",
        "MaDVC": service_code,
        "TenDVC": name,
        "MaTTHC": code,
        "TenTTHC": name,
        "MaDonVi": str(settings.TINHSO_DVCQG_UNIT_CODE),
        "TenDonVi": str(agency.name),
        "MaHoSo": dossier.code,
        "TKThuHuong": "",
        "MaNHThuHuong": "",
        "TenTKThuHuong": "",
        "NoiDungThanhToan": f"Thanh toan ho so {dossier.code}",
        "HoTenNguoiNop": dossier.applicant_name,
        "SoCMNDNguoiNop": dossier.applicant_id_number,
        "DiaChiNguoiNop": dossier.applicant_address,
        "HuyenNguoiNop": "",
        "TinhNguoiNop": str(settings.TINHSO_PROVINCE_NAME),
        "PhiLePhi": [
            {
                "LoaiPhiLePhi": "Phi",
                "MaPhiLePhi": service_code,
                "TenPhiLePhi": name,
                "SoTien": str(amount),
            }
        ],
        "DSKhoanNop": [{"NoiDung": f"Phi, le phi ho so {dossier.code}", "SoTien": str(amount)}],
    }
    return data | {name_: "" for name_ in empty}


@register
class PaygovProvider(PaymentProvider):
    id = PROVIDER_ID
    label = "Cổng thanh toán quốc gia"
    online = True

    def expires_after(self) -> timedelta:
        """``TINHSO_PAYGOV_EXPIRE_MINUTES`` (30 by default): the payer's time on the checkout page."""
        return timedelta(minutes=settings.TINHSO_PAYGOV_EXPIRE_MINUTES)

    def start(self, payment: Payment, request: "HttpRequest | None") -> Started:
        """INIT on the platform — a direct call while the payer waits — and the checkout URL."""
        config = paygov_config()
        dossier = payment.dossier
        created = timezone.localtime(payment.created_at or timezone.now())
        data = protocol.InitData(
            partner_code=config.partner_code,
            reference=protocol.reference_for(dossier.code or "", payment.reference),
            amount=payment.amount,
            description=f"THANH TOAN HO SO {dossier.code}",
            time=protocol.format_time(created),
            ip=config.server_ip,
            receipt=receipt_data(dossier, payment.amount, payment.reference),
        )
        response = post(config, "init", protocol.init_message(data, config.secret))
        answer = _json(response)
        inner = protocol.unwrap(answer) if response.ok else None
        url = str(inner.get("UrlThanhToan", "")) if inner else ""
        if not url.startswith(("https://", "http://")):
            logger.warning(
                "PayGov INIT refused for %s: %s", data.reference, protocol.refusal(answer)
            )
            raise ProviderError(
                _("Cổng thanh toán quốc gia từ chối khởi tạo giao dịch: %(reason)s")
                % {"reason": protocol.refusal(answer) or response.status_code}
            )
        payment.details = payment.details | {
            "paygov": {"MaThamChieu": data.reference, "ThoiGianGD": data.time, "UrlThanhToan": url}
        }
        Payment.objects.filter(pk=payment.pk).update(details=payment.details)
        return Started(redirect_url=url)

    def query(self, payment: Payment) -> ProviderStatus:
        """QUERY with the INIT's verbatim ``ThoiGianGD``. ``TrangThaiGD`` 1 → paid (signature
        checked), 4 → not paid; 3 (the platform does not know yet) raises ``ProviderError`` so the
        expiry sweep leaves the attempt pending instead of expiring it on a guess."""
        answer = self.ask(payment)
        if answer is None:
            return ProviderStatus(
                paid=False, known=False, message=_("Cổng không có giao dịch này.")
            )
        if answer.state == protocol.STATE_PENDING:
            raise ProviderError(
                _("Cổng thanh toán quốc gia chưa có kết quả cuối cùng của giao dịch.")
            )
        return ProviderStatus(
            paid=answer.paid,
            amount=answer.amount,
            provider_txn=answer.transaction_id,
            message=_("Đã thanh toán") if answer.paid else _("Giao dịch không thành công"),
            raw=answer.audit_data(),
        )

    def ask(self, payment: Payment) -> protocol.Confirmation | None:
        """The QUERY itself: the checked answer, or None when the platform has no such attempt."""
        config = paygov_config()
        attempt = attempt_data(payment)
        message = protocol.lookup_message(
            "QUERY",
            config.partner_code,
            attempt["MaThamChieu"],
            attempt["ThoiGianGD"],
            config.secret,
        )
        response = post(config, "query", message)
        inner = protocol.unwrap(_json(response)) if response.ok else None
        if inner is None:
            if response.ok:
                return None
            raise ProviderError(
                _("Cổng thanh toán quốc gia không trả lời được (HTTP %(status)s).")
                % {"status": response.status_code}
            )
        answer = protocol.parse_confirmation(inner, config.secret)
        if answer.state not in (protocol.STATE_PAID, protocol.STATE_PENDING, protocol.STATE_FAILED):
            return None
        if not answer.verified or answer.reference != attempt["MaThamChieu"]:
            logger.error("PayGov QUERY answer for %s has a wrong MaXacThuc", attempt["MaThamChieu"])
            raise ProviderError(
                _("Chữ ký trong trả lời của Cổng thanh toán quốc gia không hợp lệ.")
            )
        return answer

    def handle_callback(self, request: HttpRequest) -> HttpResponse:
        """The confirm callback: always HTTP 200 with our answer (``notifications.confirm``)."""
        from tinhso.integrations.paygov.notifications import (
            confirm,
        )  # why: avoids a cycle at import

        return confirm(request)

    def receipt_method(self, payment: Payment, confirmation: Any) -> str:
        return str(
            _("Cổng thanh toán quốc gia (mã giao dịch %(txn)s)")
            % {"txn": payment.provider_txn or "—"}
        )


def record_applied(payment: Payment) -> None:
    """After a payment was applied: owe the platform's receipt (GET_BILL, by the worker)."""
    outbox.enqueue(
        system=SYSTEM,
        operation=BILL_OPERATION,
        key=payment.reference,
        dossier_id=payment.dossier_id,
        payload={"payment_id": payment.pk},
    )


def alert_contradiction(payment: Payment, source: str, data: dict[str, Any]) -> None:
    """A failure notice for a payment already applied: it stays paid; the contradiction is put in
    the payment's log (``late_contradiction``), the audit log and the error log for finance staff."""
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        services.log_event(
            locked, "late_contradiction", {"source": source, "status": locked.status} | data
        )
        audit_event(
            action="payments.paygov_late_contradiction",
            actor=None,
            target=locked.reference,
            details={"source": source} | data,
            outcome="failure",
        )
    logger.error("PayGov: failure notice for %s after it was paid; kept paid", payment.reference)


def log_inbound(service: str, key: str, body: bytes, code: str) -> None:
    outbox.log_call(
        system=SYSTEM,
        service=service,
        key=key,
        request_hash=outbox.request_hash(body),
        http_status=200,
        error_code=code,
        direction=IntegrationLog.Direction.IN,
        outcome="ok" if code == protocol.ANSWER_OK else "refused",
    )


def find_payment(reference: str) -> Payment | None:
    """The attempt whose ``MaThamChieu`` is ``reference`` (our payment reference is its tail)."""
    ours = protocol.payment_reference_of(reference, REFERENCE_LENGTH)
    payment = Payment.objects.filter(reference=ours, provider=PROVIDER_ID).first() if ours else None
    if payment is None or (payment.details.get("paygov") or {}).get("MaThamChieu") != reference:
        return None
    return payment


def outcome_json(answer: dict[str, str]) -> JsonResponse:
    return JsonResponse(answer, json_dumps_params={"ensure_ascii": False})

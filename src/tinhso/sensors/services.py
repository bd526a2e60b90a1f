"""Use cases of the sensors app (the ingest itself is ``ingest.ingest``).

Subscriptions need no account: ``subscribe`` sends a six-digit code (and, by e-mail, a link to
the page where it is entered); ``confirm_subscription`` activates the subscription;
``unsubscribe`` ends it through the link carried by every message. ``alert_text`` writes the
message of a salinity alert; ``alerts`` records one per follower in the notifications outbox.
"""

import datetime
import hashlib
import hmac
import logging
import secrets
import zoneinfo
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from tinhso.notifications.channels import channel_for
from tinhso.sensors.models import (
    Datastream,
    DeviceToken,
    SalinityAlert,
    Subscription,
    Thing,
)
from tinhso.sensors.thresholds import uses

logger = logging.getLogger(__name__)
LOCAL = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
MAX_CONFIRM_ATTEMPTS = 5
MAX_PENDING_PER_CONTACT = 3  # unconfirmed subscriptions per contact and 24 hours


class SubscriptionError(Exception):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _site(path: str) -> str:
    return str(getattr(settings, "TINHSO_SITE_URL", "")).rstrip("/") + path


def subscribe(
    *, medium: str, contact: str, stations: Sequence[Thing], use_codes: Sequence[str]
) -> tuple[Subscription, str]:
    """Create an unconfirmed subscription and send its confirmation code.

    ``contact`` is already validated and normalised (``+84…`` or an e-mail address). Returns
    the subscription and the code (the code is sent, never shown on a page).
    """
    unknown = [code for code in use_codes if code not in uses()]
    if unknown or not use_codes:
        raise SubscriptionError(_("Chọn ít nhất một mục đích sử dụng nước hợp lệ."), "uses")
    if not stations:
        raise SubscriptionError(_("Chọn ít nhất một trạm."), "stations")
    recent = Subscription.objects.filter(
        contact=contact,
        confirmed_at__isnull=True,
        created_at__gte=timezone.now() - datetime.timedelta(hours=24),
    ).count()
    if recent >= MAX_PENDING_PER_CONTACT:
        raise SubscriptionError(
            _(
                "Đã gửi nhiều mã xác nhận đến liên hệ này; vui lòng dùng mã đã nhận hoặc thử lại sau."
            ),
            "contact",
        )
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        subscription = Subscription.objects.create(
            medium=medium,
            contact=contact,
            uses=list(dict.fromkeys(use_codes)),
            confirm_code_hash=_hash(code),
            token=secrets.token_urlsafe(24),
        )
        subscription.stations.set(stations)
        transaction.on_commit(lambda: _send_code(subscription, code))
    return subscription, code


def _send_code(subscription: Subscription, code: str) -> None:
    confirm = _site(reverse("sensors:confirm", args=[subscription.token]))
    subject = _("Mã xác nhận đăng ký nhận cảnh báo mặn")
    if subscription.medium == Subscription.Medium.EMAIL:
        body = _(
            "Mã xác nhận của bạn: %(code)s\n"
            "Nhập mã tại %(url)s để bắt đầu nhận cảnh báo độ mặn.\n"
            "Nếu bạn không đăng ký, hãy bỏ qua thư này."
        ) % {"code": code, "url": confirm}
    else:
        body = _("Tinh So: ma xac nhan nhan canh bao man la %(code)s") % {"code": code}
    # Sent straight through the channel, not recorded as a delivery: the code is stored only
    # as a hash, and a delivery row would keep it in clear.
    try:
        channel_for(subscription.medium).send(
            recipient=subscription.contact, subject=subject, body=body
        )
    except Exception:
        logger.exception("confirmation code for subscription %s not sent", subscription.pk)


def confirm_subscription(*, token: str, code: str) -> Subscription:
    """Activate the subscription if ``code`` matches; a few wrong codes lock it."""
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().filter(token=token).first()
        if subscription is None or subscription.cancelled_at is not None:
            raise SubscriptionError(_("Không tìm thấy đăng ký."))
        if subscription.confirmed_at is not None:
            return subscription
        if subscription.confirm_attempts >= MAX_CONFIRM_ATTEMPTS:
            raise SubscriptionError(_("Đã nhập sai quá nhiều lần; vui lòng đăng ký lại."), "code")
        if not hmac.compare_digest(subscription.confirm_code_hash, _hash(code.strip())):
            subscription.confirm_attempts += 1
            subscription.save(update_fields=["confirm_attempts"])
            raise SubscriptionError(_("Mã xác nhận không đúng."), "code")
        subscription.confirmed_at = timezone.now()
        subscription.save(update_fields=["confirmed_at"])
    return subscription


def unsubscribe(*, token: str) -> Subscription | None:
    """End the subscription (idempotent); ``None`` for an unknown token."""
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().filter(token=token).first()
        if subscription is not None and subscription.cancelled_at is None:
            subscription.cancelled_at = timezone.now()
            subscription.save(update_fields=["cancelled_at"])
    return subscription


def create_device_token(*, thing: Thing, label: str = "") -> str:
    """A new bearer token for the station's logger; only its SHA-256 is stored."""
    key = "dev_" + secrets.token_urlsafe(32)
    DeviceToken.objects.create(thing=thing, label=label, key_hash=_hash(key))
    return key


def device_for_token(key: str) -> DeviceToken | None:
    found = (
        DeviceToken.objects.select_related("thing")
        .filter(key_hash=_hash(key), revoked_at__isnull=True)
        .first()
    )
    if found is not None:
        now = timezone.now()
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 300:
            DeviceToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found


def alert_text(event: SalinityAlert, datastream: Datastream, token: str) -> tuple[str, str]:
    """Subject and body of an alert message, in Vietnamese."""
    use = uses()[event.use]
    thing = datastream.thing
    place = _("trạm %(station)s (sông %(river)s)") % {
        "station": thing.name,
        "river": thing.properties.get("river", "—"),
    }
    values = {
        "place": place,
        "value": number_format(event.value, 2),
        "time": timezone.localtime(event.phenomenon_time, LOCAL).strftime("%H:%M %d/%m/%Y"),
        "use": use.name,
        "limit": number_format(use.threshold, 1),
        "level": event.level,
    }
    if event.kind == SalinityAlert.Kind.CLEARED:
        subject = _("Hết cảnh báo mặn: %(place)s") % values
        text = _(
            "Độ mặn tại %(place)s đã giảm còn %(value)s g/L lúc %(time)s, dưới ngưỡng cho "
            "%(use)s (%(limit)s g/L)."
        )
    else:
        subject = _("Cảnh báo mặn mức %(level)s: %(place)s") % values
        text = _(
            "Độ mặn tại %(place)s là %(value)s g/L lúc %(time)s, vượt ngưỡng cho %(use)s "
            "(%(limit)s g/L); mức cảnh báo %(level)s/3."
        )
    stop = _site(reverse("sensors:unsubscribe", args=[token]))
    body = (text % values) + "\n" + _("Ngừng nhận tin: %(url)s") % {"url": stop}
    return subject, body

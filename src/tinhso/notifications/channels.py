"""Notification channels: the extension point through which messages leave the platform.

A channel is a small class with an ``id``, the ``medium`` it delivers on (e-mail or SMS) and a
``send`` method. Each implementation lives in its own module (``channel_email``,
``channel_sms_log``), decorates its class with :func:`register`, and is imported by
``NotificationsConfig.ready`` so the registry is complete before the first message is sent.

The e-mail channel is always ``"email"`` (the SMTP server or provider is chosen with Django's
``EMAIL_BACKEND``); the SMS channel is the one named by ``settings.TINHSO_SMS_CHANNEL``
(default ``"log"``). How to add an SMS provider: docs/notifications.md.
"""

from abc import ABC, abstractmethod
from typing import ClassVar, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _


class Medium(models.TextChoices):
    EMAIL = "email", _("Thư điện tử")
    SMS = "sms", _("Tin nhắn SMS")


class DeliveryError(Exception):
    """The channel could not hand the message over; the delivery may be retried later."""


class Channel(ABC):
    """Base class of every notification channel.

    Subclasses set ``id`` (unique, lower-case, stored on each delivery) and ``medium``, and
    implement :meth:`send`. A channel is instantiated without arguments for each message and
    reads whatever configuration it needs from ``django.conf.settings``.
    """

    id: ClassVar[str]
    medium: ClassVar[Medium]

    @abstractmethod
    def send(self, *, recipient: str, subject: str, body: str) -> str:
        """Deliver one message and return the provider's message id.

        ``recipient`` is an e-mail address or a phone number as the applicant gave it;
        ``subject`` is used by e-mail only (SMS channels ignore it); ``body`` is the complete
        plain text. Raise :class:`DeliveryError` when the provider refuses the message
        or cannot be reached — the caller records the failure and the task retries it. Any
        other exception is treated as a bug in the channel: it is recorded as a failure too
        and logged with its traceback. Must not retry by itself and must not log the full
        recipient (personal data).
        """


ChannelT = TypeVar("ChannelT", bound=type[Channel])

_registry: dict[str, type[Channel]] = {}


def register(cls: ChannelT) -> ChannelT:
    """Class decorator adding a channel to the registry under its ``id``.

    Refuses a class without ``id`` or ``medium`` and a second class with an ``id`` already
    taken, so two modules cannot silently replace each other.
    """
    channel_id = getattr(cls, "id", "")
    if not channel_id or not isinstance(getattr(cls, "medium", None), Medium):
        raise ImproperlyConfigured(f"{cls.__qualname__} must define 'id' and 'medium'")
    existing = _registry.get(channel_id)
    if existing is not None and existing is not cls:
        raise ImproperlyConfigured(
            f"Notification channel id {channel_id!r} is already used by {existing.__qualname__}"
        )
    _registry[channel_id] = cls
    return cls


def get_channel(channel_id: str) -> Channel:
    """Return a new instance of the channel registered as ``channel_id``.

    Raises ``ImproperlyConfigured`` for an unknown id (a typo in ``TINHSO_SMS_CHANNEL``
    must fail loudly, not drop messages).
    """
    try:
        cls = _registry[channel_id]
    except KeyError:
        known = ", ".join(sorted(_registry)) or "none"
        raise ImproperlyConfigured(
            f"Unknown notification channel {channel_id!r} (registered: {known})"
        ) from None
    return cls()


def channels() -> list[type[Channel]]:
    """Every registered channel class, ordered by id."""
    return [_registry[key] for key in sorted(_registry)]


def email_channel() -> Channel:
    """The channel that sends e-mail (always ``"email"``; the transport is ``EMAIL_BACKEND``)."""
    return get_channel("email")


def sms_channel() -> Channel:
    """The SMS channel chosen by ``settings.TINHSO_SMS_CHANNEL`` (default ``"log"``)."""
    channel_id = getattr(settings, "TINHSO_SMS_CHANNEL", "log")
    channel = get_channel(channel_id)
    if channel.medium != Medium.SMS:
        raise ImproperlyConfigured(f"TINHSO_SMS_CHANNEL={channel_id!r} is not an SMS channel")
    return channel


def channel_for(medium: str) -> Channel:
    """The channel that delivers on ``medium``: ``email``, or the configured SMS channel."""
    return email_channel() if medium == Medium.EMAIL else sms_channel()

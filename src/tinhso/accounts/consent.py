"""Consent to the processing of personal data (Law on Personal Data Protection
91/2025/QH15 and its Decree 356/2025/NĐ-CP, in force 1/1/2026; Decree 13/2023/NĐ-CP before)
as a gate.

A citizen or business account must have agreed to the current privacy notice
(``TINHSO_PRIVACY_NOTICE_VERSION``) before it uses the portal: local registration asks on the
form; an account created by the first sign-in through the identity provider (VNeID), an account an
administrator made, or anyone after the notice changed or after withdrawing consent is sent to the
consent page first. Consent is an action of the person (a ticked box and a button), never
recorded on their behalf. Refusing signs the person out. Officials are not gated: their processing
rests on their employment, not on consent.
"""

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from tinhso.accounts import personal_data
from tinhso.accounts.auditing import audit
from tinhso.accounts.models import Consent, User

PURPOSE = Consent.Purpose.PUBLIC_SERVICES
# The notice version this session's user is known to have agreed to: saves a query per request.
SESSION_KEY = "tinhso_consent_version"


def current_version() -> str:
    return str(settings.TINHSO_PRIVACY_NOTICE_VERSION)


def gated(user: object) -> bool:
    """Citizens and businesses need consent; officials, administrators and staff do not."""
    return bool(
        getattr(user, "is_authenticated", False)
        and getattr(user, "kind", "") in (User.Kind.CITIZEN, User.Kind.BUSINESS)
        and not getattr(user, "is_staff", False)
        and not getattr(user, "is_superuser", False)
    )


def has_current_consent(user: User) -> bool:
    """The person's latest decision for the purpose is a consent to the current notice."""
    latest = Consent.objects.filter(user=user, purpose=PURPOSE).order_by("-recorded_at", "-pk")
    decision = latest.values_list("given", "notice_version").first()
    return decision is not None and decision[0] and decision[1] == current_version()


def needs_consent(user: object) -> bool:
    return gated(user) and isinstance(user, User) and not has_current_consent(user)


def record(*, user: User, given: bool, method: str, request: HttpRequest | None = None) -> Consent:
    """Record the person's decision (a new row each time: consents are never edited)."""
    with transaction.atomic():
        consent = Consent.objects.create(
            user=user,
            purpose=PURPOSE,
            notice_version=current_version(),
            given=given,
            method=method,
        )
        audit(
            "privacy.consent_given" if given else "privacy.consent_refused",
            actor=user,
            target=f"user:{user.username}",
            details={
                "purpose": PURPOSE,
                "notice_version": consent.notice_version,
                "method": method,
            },
            request=request,
        )
        if not given:
            # No processing on the person's behalf after a refusal or withdrawal: each app
            # stops what it does for them (accounts: API tokens and other sessions end).
            personal_data.withdraw_consent(user)
    if request is not None:
        if given:
            request.session[SESSION_KEY] = consent.notice_version
        else:
            request.session.pop(SESSION_KEY, None)
    return consent


def session_consented(request: HttpRequest) -> bool:
    """Whether the signed-in person of ``request`` may use the portal: not gated, or agreed to
    the current notice. Remembered in the session once checked, so a request costs no query."""
    user = request.user
    if not gated(user) or request.session.get(SESSION_KEY) == current_version():
        return True
    assert isinstance(user, User)
    if not has_current_consent(user):
        return False
    request.session[SESSION_KEY] = current_version()
    return True


def _open_paths() -> tuple[str, ...]:
    return (
        reverse("accounts:consent"),
        reverse("accounts:my_data"),  # the right to see one's data needs no consent
        reverse("portal:logout"),
        reverse("sso:logout"),  # signing out at the national portal too
        settings.STATIC_URL,
        "/i18n/",
        "/api/",  # the API refuses tokens to accounts without consent (accounts.api)
    )


class ConsentMiddleware:
    """Send a signed-in citizen without a current consent to the consent page first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            gated(request.user)  # first: most requests stop here, before any URL is reversed
            and not request.path.startswith(_open_paths())
            and not session_consented(request)
        ):
            target = request.get_full_path() if request.method == "GET" else ""
            url = reverse("accounts:consent")
            if target and target != "/":
                url = f"{url}?{urlencode({'next': target})}"
            return HttpResponseRedirect(url)
        return self.get_response(request)

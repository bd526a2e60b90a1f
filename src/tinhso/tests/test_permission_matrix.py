"""Every API operation and back-office page against every kind of caller.

The routes are enumerated from the URL resolver and the OpenAPI document, so a new endpoint
without a rule here fails the suite. For each route the rule names who may use it; everyone
else must be refused (401/403/404 or a redirect to the login page), and a refused write must
change nothing.
"""

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from tinhso.documents.models import IssuedSlip
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier, HistoryEntry, Rating
from tinhso.dossiers.uploads import check_upload
from tinhso.payments import services as payment_services
from tinhso.payments.models import EReceipt, IncomingTransfer, Payment
from tinhso.payments.statements import TransferData, receive_transfer
from tinhso.results.models import ResultDocument
from tinhso.stores.models import StoredDocument
from tinhso.stores.services import store_upload
from tinhso.testing import FORM_DATA, PDF_BYTES, make_cast, pdf_upload

ACTORS = [
    "anonymous",
    "citizen",
    "other_citizen",
    "clerk",
    "specialist",
    "leader",  # the receiving centre's clerk, the competent department's staff
    "other_clerk",
    "other_specialist",
    "other_leader",  # another agency
]
EVERYONE = set(ACTORS)
STAFF = {"clerk", "specialist", "leader", "other_clerk", "other_specialist", "other_leader"}
OWN = {"citizen", "clerk", "specialist", "leader"}  # who may see the dossier


@dataclass
class Rule:
    allowed: set[str]
    method: str = "get"
    body: dict[str, Any] | None = None
    multipart: bool = False
    kwargs: dict[str, str] = field(default_factory=dict)
    protocol: bool = (
        False  # a protocol endpoint: any non-5xx answer is right, and nothing may change
    )


def api_rules(code: str) -> dict[tuple[str, str], Rule]:
    return {
        ("get", "/api/v1/health"): Rule(EVERYONE),
        ("post", "/api/v1/auth/token"): Rule(
            EVERYONE, "post", {"username": "citizen1", "password": "pw"}
        ),
        ("get", "/api/v1/agencies"): Rule(EVERYONE),
        ("get", "/api/v1/procedures"): Rule(EVERYONE),
        ("get", "/api/v1/procedures/{code}"): Rule(EVERYONE, kwargs={"code": "2.000001"}),
        ("get", "/api/v1/calendar/due"): Rule(EVERYONE),
        ("get", "/api/v1/lookup/{code}"): Rule(EVERYONE, kwargs={"code": code}),
        ("post", "/api/v1/dossiers"): Rule(
            EVERYONE - {"anonymous"}, "post", {"procedure": "2.000001", "data": FORM_DATA}
        ),
        ("get", "/api/v1/dossiers/{code}"): Rule(OWN, kwargs={"code": code}),
        ("post", "/api/v1/dossiers/{code}/attachments"): Rule(
            {"citizen", "clerk", "specialist", "leader"},
            "post",
            multipart=True,
            kwargs={"code": code},
        ),
        ("get", "/api/v1/dossiers/{code}/payments"): Rule(OWN, kwargs={"code": code}),
        ("post", "/api/v1/verify"): Rule(EVERYONE, "post", multipart=True),
        # No result yet: those who see the dossier get 409, the others 404/401.
        ("get", "/api/v1/dossiers/{code}/result"): Rule(set(), kwargs={"code": code}),
        # Recording a payment at the counter is the clerk's alone.
        ("post", "/api/v1/dossiers/{code}/payments"): Rule(
            {"clerk"}, "post", {"provider": "counter"}, kwargs={"code": code}
        ),
        # Receiving is the clerk's alone.
        ("post", "/api/v1/dossiers/{code}/actions"): Rule(
            {"clerk"}, "post", {"action": "receive"}, kwargs={"code": code}
        ),
    }


QUERY = {
    "/api/v1/calendar/due": {"start": "2025-06-10T09:00:00+07:00", "working_days": "1"},
    "/api/v1/lookup/{code}": {"phone_last4": "5678"},
    "/api/v1/procedures": {"q": "khai sinh"},
}


@pytest.fixture
def world(db):
    cast = make_cast()
    dossier, _ = services.file_dossier(
        user=cast.citizen,
        version=cast.province_procedure,
        data=FORM_DATA,
        applicant=services.Applicant.from_user(cast.citizen),
        files=[services.NewFile("TK", check_upload(pdf_upload()))],
    )
    return cast, dossier


def client_for(cast, actor: str) -> Client:
    client = Client()
    if actor != "anonymous":
        client.force_login(getattr(cast, actor))
    return client


def api_operations() -> set[tuple[str, str]]:
    from tinhso.management.commands.export_openapi import openapi_document

    return {(method, path) for path, ops in openapi_document()["paths"].items() for method in ops}


def test_every_api_operation_has_a_rule(world):
    _cast, dossier = world
    missing = api_operations() - set(api_rules(dossier.code))
    assert not missing, f"API operations without a permission rule: {sorted(missing)}"


@pytest.mark.parametrize("actor", ACTORS)
def test_api_matrix(world, actor):
    cast, dossier = world
    for (method, path), rule in api_rules(dossier.code).items():
        client = client_for(cast, actor)
        url = path.format(**rule.kwargs)
        before = (Dossier.objects.count(), Dossier.objects.get(pk=dossier.pk).history_seq)
        if method == "get":
            response = client.get(url, QUERY.get(path, {}))
        elif rule.multipart:
            response = client.post(
                url, {"document": "CCCD", "file": SimpleUploadedFile("a.pdf", PDF_BYTES)}
            )
        else:
            response = client.post(url, rule.body, content_type="application/json")
        if actor in rule.allowed:
            assert response.status_code < 400, (
                actor,
                method,
                path,
                response.status_code,
                response.content[:200],
            )
        else:
            # 404 for those who may not see the dossier, 409 for those who see it but may not act
            assert response.status_code in (401, 403, 404, 409), (
                actor,
                method,
                path,
                response.status_code,
            )
            if actor not in OWN and "{code}" in path and path.startswith("/api/v1/dossiers"):
                assert response.status_code in (401, 404), (actor, path, response.status_code)
            assert before == (
                Dossier.objects.count(),
                Dossier.objects.get(pk=dossier.pk).history_seq,
            )


def url_patterns(prefix: str) -> list[tuple[str, URLPattern]]:
    found: list[tuple[str, URLPattern]] = []

    def walk(patterns: list, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and namespace == prefix and p.name:
                found.append((f"{namespace}:{p.name}", p))

    walk(get_resolver().url_patterns, "")
    return found


PAGE_REFUSED = {302, 400, 401, 403, 404, 405, 409}
NAMESPACES = ("portal", "backoffice", "payments", "payments_staff", "stores", "results")
ACCOUNTANTS = {"clerk", "leader", "other_clerk", "other_leader"}
STAFF_OF_DOSSIER = {"clerk", "specialist", "leader"}
LOGGED_IN = EVERYONE - {"anonymous"}


@pytest.fixture
def pages_world(db, django_capture_on_commit_callbacks):
    cast = make_cast()

    def filed():
        dossier, _ = services.file_dossier(
            user=cast.citizen,
            version=cast.province_procedure,
            data=FORM_DATA,
            applicant=services.Applicant.from_user(cast.citizen),
            files=[services.NewFile("TK", check_upload(pdf_upload()))],
        )
        return dossier

    def act(user, dossier, action, **kw):
        return services.perform_action(
            user=user, dossier=dossier, request=services.ActionRequest(action=action, **kw)
        )

    with django_capture_on_commit_callbacks(execute=True):
        main = act(cast.clerk, filed(), "receive")
        waiting = act(
            cast.specialist,
            act(cast.clerk, filed(), "receive"),
            "request_supplement",
            comment="Thiếu",
            items=["Bản sao căn cước"],
        )
        done = filed()
        for user, action in [
            (cast.clerk, "receive"),
            (cast.specialist, "complete_step"),
            (cast.leader, "approve"),
            (cast.clerk, "issue_result"),
            (cast.clerk, "return_result"),
        ]:
            done = act(user, done, action)
    draft, _ = services.file_dossier(
        user=cast.citizen,
        version=cast.province_procedure,
        data={},
        draft=True,
        applicant=services.Applicant.from_user(cast.citizen),
    )
    with django_capture_on_commit_callbacks(execute=True):
        payment, _ = payment_services.start_payment(
            user=cast.clerk, dossier=main, provider_id="counter"
        )
        payment_services.confirm_payment(
            reference=payment.reference, amount=payment.amount, source="counter", actor=cast.clerk
        )
    transfer, _ = receive_transfer(
        data=TransferData(
            amount=12345,
            description="CHUYEN TIEN KHONG RO",
            bank_reference="FT0001",
            received_at=timezone.now(),
        ),
        source="webhook",
    )
    upload = store_upload(owner=cast.citizen, title="Căn cước", upload=check_upload(pdf_upload()))
    return {
        "cast": cast,
        "main": main,
        "waiting": waiting,
        "done": done,
        "draft": draft,
        "attachment": main.attachments.get(),
        "slip": IssuedSlip.objects.get(dossier=main, kind="receipt"),
        "receipt": EReceipt.objects.get(payment=payment),
        "transfer": transfer,
        "upload": upload,
        "result": ResultDocument.objects.get(dossier=done),
    }


def page_rules(w: dict) -> dict[str, Rule]:
    main, waiting, done = w["main"].code, w["waiting"].code, w["done"].code
    att, slip = w["attachment"].pk, w["slip"].pk
    return {
        "portal:home": Rule(EVERYONE),
        "portal:procedures": Rule(EVERYONE),
        "portal:procedure": Rule(EVERYONE, kwargs={"code": "2.000001"}),
        "portal:lookup": Rule(EVERYONE),
        "portal:login": Rule(EVERYONE),
        "portal:register": Rule({"anonymous"} | LOGGED_IN),
        "portal:logout": Rule(EVERYONE, "post", {}),
        "portal:apply": Rule(LOGGED_IN, kwargs={"code": "2.000001"}),
        "portal:draft": Rule({"citizen"}, kwargs={"pk": str(w["draft"].pk)}),
        "portal:my_dossiers": Rule(LOGGED_IN),
        "portal:dossier": Rule(OWN, kwargs={"code": main}),
        "portal:attachment": Rule(OWN, kwargs={"code": main, "pk": str(att)}),
        "portal:slip": Rule(OWN, kwargs={"code": main, "pk": str(slip)}),
        "portal:supplement": Rule(
            {"citizen"}, "post", {"document": "CCCD", "files": "__pdf__"}, kwargs={"code": waiting}
        ),
        "portal:withdraw": Rule(
            {"citizen"}, "post", {"reason": "Không cần nữa", "confirm": "on"}, kwargs={"code": main}
        ),
        "portal:rate": Rule({"citizen"}, "post", {"score": "5"}, kwargs={"code": done}),
        # No on-line provider is offered for this pay-at-the-counter test procedure: nobody can start one,
        # strangers get 404 and the owner a message; the rule checks that refusal changes nothing.
        "portal:pay": Rule(set(), "post", {"provider": "counter"}, kwargs={"code": main}),
        "backoffice:inbox": Rule(STAFF),
        "backoffice:dossier": Rule(STAFF_OF_DOSSIER, kwargs={"code": main}),
        "backoffice:attachment": Rule(STAFF_OF_DOSSIER, kwargs={"code": main, "pk": str(att)}),
        "backoffice:slip": Rule(STAFF_OF_DOSSIER, kwargs={"code": main, "pk": str(slip)}),
        "backoffice:control_slip": Rule(STAFF_OF_DOSSIER, kwargs={"code": main}),
        "backoffice:act": Rule(
            {"specialist"}, "post", {"action": "complete_step"}, kwargs={"code": main}
        ),
        "backoffice:counter_new": Rule({"clerk", "other_clerk"}),
        "backoffice:counter_done": Rule(STAFF_OF_DOSSIER, kwargs={"code": main}),
        # Protocol endpoints answer everyone as their protocol defines (never a login page) and change nothing
        # without a valid signature.
        "payments:vnpay_ipn": Rule(EVERYONE, protocol=True),
        "payments:vnpay_return": Rule(EVERYONE, protocol=True),
        "payments:sandbox_vnpay_pay": Rule(EVERYONE, protocol=True),
        "payments:sandbox_vnpay_api": Rule(EVERYONE, "post", {}, protocol=True),
        "payments_staff:bank_webhook": Rule(set(), "post", {"amount": 1}),
        "payments_staff:queue": Rule(ACCOUNTANTS),
        "payments_staff:reconciliation": Rule(ACCOUNTANTS),
        "payments_staff:reconciliation_excel": Rule(ACCOUNTANTS),
        # Transfers to the collecting account (held by the one-stop centre) are its staff's to handle.
        "payments_staff:transfer": Rule({"clerk"}, kwargs={"pk": str(w["transfer"].pk)}),
        "payments_staff:transfer_resolve": Rule(
            {"clerk"},
            "post",
            {"action": "ignored", "note": "Không xác định được"},
            kwargs={"pk": str(w["transfer"].pk)},
        ),
        "payments_staff:statement": Rule({"clerk"}),
        "payments_staff:counter_find": Rule({"clerk", "other_clerk"}),
        "payments_staff:counter": Rule({"clerk"}, kwargs={"code": main}),
        # Receipts are accounting records: the counter and the leaders of the agencies concerned.
        "payments_staff:receipt": Rule(
            {"clerk", "leader"}, kwargs={"pk": str(w["receipt"].payment_id)}
        ),
        "stores:list": Rule(LOGGED_IN),
        "stores:upload": Rule(LOGGED_IN, "post", {"title": "Giấy tờ", "file": "__pdf__"}),
        "stores:download": Rule({"citizen"}, kwargs={"pk": str(w["upload"].pk)}),
        "stores:delete": Rule({"citizen"}, "post", {}, kwargs={"pk": str(w["upload"].pk)}),
        # Anyone holding the document (its QR code) may verify it.
        "results:verify": Rule(EVERYONE),
        "results:token": Rule(EVERYONE, kwargs={"token": w["result"].public_token}),
        "results:download": Rule(EVERYONE, kwargs={"token": w["result"].public_token}),
    }


def fingerprint() -> tuple:
    return (
        tuple(Dossier.objects.order_by("pk").values_list("status", "history_seq", "paid_amount")),
        HistoryEntry.objects.count(),
        Rating.objects.count(),
        tuple(IncomingTransfer.objects.order_by("pk").values_list("status", flat=True)),
        StoredDocument.objects.count(),
        tuple(Payment.objects.order_by("pk").values_list("status", flat=True)),
    )


def test_every_page_has_a_rule(pages_world):
    names = {name for prefix in NAMESPACES for name, _ in url_patterns(prefix)}
    missing = names - set(page_rules(pages_world))
    assert not missing, f"Pages without a permission rule: {sorted(missing)}"


@pytest.mark.parametrize("actor", ACTORS)
def test_page_matrix(pages_world, actor):
    from django.urls import reverse

    cast = pages_world["cast"]
    for name, rule in page_rules(pages_world).items():
        client = client_for(cast, actor)
        url = reverse(name, kwargs=rule.kwargs)
        with transaction.atomic():
            before = fingerprint()
            if rule.method == "get":
                response = client.get(url)
            else:
                body = {
                    k: (SimpleUploadedFile("b.pdf", PDF_BYTES) if v == "__pdf__" else v)
                    for k, v in (rule.body or {}).items()
                }
                response = client.post(url, body)
            after = fingerprint()
            transaction.set_rollback(True)
        status = response.status_code
        if rule.protocol:
            assert status < 500 and "/dang-nhap/" not in response.get("Location", ""), (
                actor,
                name,
                status,
            )
            assert after == before, (actor, name, "unsigned protocol request changed data")
            continue
        if actor in rule.allowed:
            assert status < 400, (actor, name, status)
            if rule.method == "post" and name != "portal:logout":
                assert after != before, (actor, name, "allowed write changed nothing")
                messages = (
                    [str(m) for m in response.wsgi_request._messages] if status == 302 else []
                )
                assert not any("Không thể" in m for m in messages), (actor, name, messages)
        else:
            assert status in PAGE_REFUSED, (actor, name, status)
            if status == 302:
                assert "/dang-nhap/" in response["Location"] or rule.method == "post", (actor, name)
            assert after == before, (actor, name, "refused request changed data")

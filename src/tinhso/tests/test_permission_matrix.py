"""Every API operation and back-office page against every kind of caller.

The routes are enumerated from the URL resolver and the OpenAPI document, so a new endpoint
without a rule here fails the suite. For each route the rule names who may use it; everyone
else must be refused (401/403/404 or a redirect to the login page), and a refused write must
change nothing. A route may have several rules (a GET and a POST, or several scopes), a rule
may fix the status of a refusal (``refused``) and check the allowed answer's body (``check``);
every request is checked to run as its actor (a signed-in session past the second factor).
The actors beyond ``make_cast`` (province leader, auditor, security officer, agency
administrator) and the programme and audit objects come from ``tinhso.tests.matrix_world``.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from tinhso.accounts.models import Consent, SecondFactor, WebAuthnCredential
from tinhso.audit.models import AuditEntry, ChainCheck, SecurityAlert
from tinhso.datasets.models import Dataset, DatastoreRow, ResourceVersion
from tinhso.datasets.testing import catalogue_for
from tinhso.documents.models import IssuedSlip
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier, HistoryEntry, Rating
from tinhso.indicators.models import AlertSubscription, SectorUpload, TargetValue, TaskReport
from tinhso.integrations.models import OutboxItem
from tinhso.integrations.national.links import make_token
from tinhso.ioc import receivers
from tinhso.payments import services as payment_services
from tinhso.payments.models import EReceipt, IncomingTransfer, Payment
from tinhso.payments.statements import TransferData, receive_transfer
from tinhso.reports import services as report_services
from tinhso.reports.models import Category, Report
from tinhso.results import services as result_services
from tinhso.results.models import ResultDocument, ResultDraft
from tinhso.sensors.models import Observation, Subscription
from tinhso.sensors.stations import ensure_network
from tinhso.stores.models import StoredDocument
from tinhso.stores.services import store_upload
from tinhso.testing import FORM_DATA, PDF_BYTES, file_online, make_cast, pdf_upload
from tinhso.tests.matrix_world import (
    SECTOR,
    SECTOR_CSV,
    TARGET_CODE,
    add_actors,
    make_audit_objects,
    make_programme,
)
from tinhso.units.selectors import today_in_vietnam
from tinhso.uploads import check_upload

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
    "province_leader",  # leader of the provincial People's Committee (an agency without dossiers)
    "auditor",  # the next three: a department without dossiers (tests/matrix_world.py)
    "security",
    "agency_admin",
    "integration",  # operates the integration layer (issue 16), platform-wide like the auditor
]
EVERYONE = set(ACTORS)
LOGGED_IN = EVERYONE - {"anonymous"}
CITIZENS = {"citizen", "other_citizen"}
OFFICIALS = LOGGED_IN - CITIZENS
# Officials who handle dossiers somewhere (clerk, specialist, leader, agency admin): the back office.
STAFF = {
    "clerk",
    "specialist",
    "leader",
    "other_clerk",
    "other_specialist",
    "other_leader",
    "province_leader",
    "agency_admin",
}
OWN = {"citizen", "clerk", "specialist", "leader"}  # who may see the dossier
# The operations centre: every agency's leader (own agency), the province's leaders (everything).
IOC_LEADERS = {"leader", "other_leader", "province_leader"}
AUDIT_READERS = {"auditor", "security"}
# The department (stp) answering for the programme objects of the world.
RESPONSIBLE = {"specialist", "leader"}

Check = Callable[[str, Any, bytes], None]


@dataclass
class Rule:
    allowed: set[str]
    method: str = "get"
    body: dict[str, Any] | None = None
    multipart: bool = False
    kwargs: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    protocol: bool = (
        False  # a protocol endpoint: any non-5xx answer is right, and nothing may change
    )
    # The status every refused signed-in actor must get (None: any refusal); anonymous callers of
    # such a rule must get 401 (API) or the login page (pages).
    refused: int | None = None
    # Must an allowed request change the data (``fingerprint``)? None: yes for a POST.
    writes: bool | None = None
    # Further assertions on an allowed answer's body: check(actor, world, content).
    check: Check | None = None

    def must_write(self) -> bool:
        return self.method == "post" if self.writes is None else self.writes


def as_list(rules: Rule | list[Rule]) -> list[Rule]:
    return rules if isinstance(rules, list) else [rules]


def this_month() -> str:
    return f"{today_in_vietnam():%Y-%m}"


def inbox_lists_own_dossiers(actor: str, cast: Any, content: bytes) -> None:
    listed = {item["code"] for item in json.loads(content)["items"]}
    codes = set(Dossier.objects.exclude(status="draft").values_list("code", flat=True))
    if actor == "clerk":  # the world's new dossier is filed to the clerk's centre
        assert listed and listed <= codes, (actor, listed)
    elif actor not in OWN:
        assert not listed & codes, (actor, listed)


def own_index_rows(actor: str, cast: Any, content: bytes) -> None:
    """An agency leader receives their agency's rows only; the province's leader every row.

    The world's dossier was filed this month at stp (``cast.dept``): stp has a row."""
    keys = {int(row["key"]) for row in json.loads(content)["rows"]}
    if actor == "province_leader":
        assert cast.dept.pk in keys, (actor, keys)
    elif actor == "leader":
        assert keys == {cast.dept.pk}, (actor, keys)
    else:
        assert keys <= {cast.other_dept.pk}, (actor, keys)


def report_id() -> str:
    """The world's public report (``world``): its Open311 id."""
    return Report.objects.get(category__code="o-ga").public_id


def api_rules(code: str) -> dict[tuple[str, str], Rule | list[Rule]]:
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
        # Preparing the result: the competent agency's specialist only, and not before receipt
        # (409 for them here); the agency's other officials 403, everyone else 404/401.
        ("post", "/api/v1/dossiers/{code}/result"): Rule(
            set(), "post", {"fields": {}}, kwargs={"code": code}
        ),
        ("post", "/api/v1/dossiers/{code}/result/file"): Rule(
            set(), "post", multipart=True, kwargs={"code": code}
        ),
        # Recording a payment at the counter is the clerk's alone.
        ("post", "/api/v1/dossiers/{code}/payments"): Rule(
            {"clerk"}, "post", {"provider": "counter"}, kwargs={"code": code}
        ),
        # Receiving is a clerk's: of the receiving counter, or of any one-stop counter of the
        # province (other_clerk, a commune's: R-ACT-1), by the dossier's exact code.
        ("post", "/api/v1/dossiers/{code}/actions"): Rule(
            {"clerk", "other_clerk"}, "post", {"action": "receive"}, kwargs={"code": code}
        ),
        # The operations centre: the figures of an agency for its leader and the province's
        # leaders; province-wide figures for the province's leaders only.
        ("get", "/api/v1/ioc/summary"): [
            Rule({"leader", "province_leader"}, query={"agency": "stp"}, refused=403),
            Rule({"province_leader"}, refused=403),
        ],
        # The integration layer (issue 16): its operators only (and the platform administrator,
        # not an actor here); everyone else signed in 403.
        ("get", "/api/v1/integrations/status"): Rule({"integration"}, refused=403),
        ("post", "/api/v1/integrations/requeue"): Rule(
            {"integration"}, "post", {"ids": [0]}, refused=403
        ),
        # The inbox: officials who handle dossiers; each sees the world's dossiers only where
        # they work (the centre's clerk among the new ones).
        ("get", "/api/v1/inbox"): Rule(
            STAFF, query={"tab": "new"}, refused=403, check=inbox_lists_own_dossiers
        ),
        ("get", "/api/v1/ioc/sync-health"): Rule(IOC_LEADERS, refused=403),
        # The population database lookup (issue 17): counter clerks (and the platform admin, not an
        # actor here); the call goes out and, with nothing listening, answers "unavailable".
        ("get", "/api/v1/citizens/lookup"): Rule(
            {"clerk", "other_clerk"}, query={"personal_id": "083095001234"}, refused=403
        ),
        # Reports and petitions (issue 18): the nearby suggestions and a public report are for
        # everyone; a report's photo view answers 404 for a photo it does not have; acting on a
        # report is for the responsible agency's officials by role (reports/services.py).
        ("get", "/api/v1/feedback/nearby"): Rule(
            EVERYONE, query={"lat": "10.2475", "long": "106.3860", "service_code": "o-ga"}
        ),
        ("get", "/api/v1/feedback/{public_id}"): Rule(EVERYONE, kwargs={"public_id": report_id()}),
        ("get", "/api/v1/feedback/{public_id}/photos/{photo_id}"): Rule(
            set(), kwargs={"public_id": report_id(), "photo_id": "999999"}
        ),
        ("post", "/api/v1/feedback/{public_id}/actions"): Rule(
            {"leader"}, "post", {"action": "acknowledge"}, kwargs={"public_id": report_id()}
        ),
        ("get", "/api/v1/ioc/index766"): [
            Rule(IOC_LEADERS, query={"period": this_month()}, refused=403, check=own_index_rows),
            Rule({"province_leader"}, query={"period": this_month(), "level": "unit"}, refused=403),
        ],
    }


QUERY = {
    "/api/v1/calendar/due": {"start": "2025-06-10T09:00:00+07:00", "working_days": "1"},
    "/api/v1/lookup/{code}": {"phone_last4": "5678"},
    "/api/v1/procedures": {"q": "khai sinh"},
}


@pytest.fixture
def world(db):
    cast = make_cast()
    add_actors(cast)
    dossier = file_online(cast)
    receivers.catch_up()  # the operations centre counts it, as the worker does after the commit
    Category.objects.create(code="o-ga", name="Ổ gà, hư hỏng mặt đường", agency=cast.dept)
    report_services.file_report(
        data=report_services.NewReport(
            category="o-ga", description="Ổ gà lớn giữa đường", lat="10.2475", lon="106.3860"
        ),
        reporter=cast.citizen,
    )
    return cast, dossier


def client_for(cast, actor: str) -> Client:
    client = Client()
    if actor != "anonymous":
        client.force_login(getattr(cast, actor))
    return client


def clients_for(cast, actor: str) -> Callable[[], Client]:
    """Fresh clients sharing one signed-in session (signing in once per actor, not per request).

    The session lives in the database: what a request does to it (a logout, a new key) is
    undone with the request's rolled-back transaction in ``test_page_matrix``, and the API
    endpoints leave it as it is."""
    cookies = {key: morsel.value for key, morsel in client_for(cast, actor).cookies.items()}

    def fresh() -> Client:
        client = Client()
        client.cookies.load(cookies)
        return client

    return fresh


def assert_acting_as(cast: Any, actor: str, response: Any) -> None:
    """The request was made as ``actor`` (a signed-in, second-factor-verified session)."""
    user = response.wsgi_request.user
    expected = None if actor == "anonymous" else getattr(cast, actor).username
    assert (user.username if user.is_authenticated else None) == expected, (actor, user)


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
    clients = clients_for(cast, actor)
    for (method, path), rules in api_rules(dossier.code).items():
        for rule in as_list(rules):
            check_api_rule(cast, dossier, actor, clients(), method, path, rule)


def check_api_rule(
    cast: Any, dossier: Dossier, actor: str, client: Client, method: str, path: str, rule: Rule
) -> None:
    url = path.format(**rule.kwargs)
    before = (Dossier.objects.count(), Dossier.objects.get(pk=dossier.pk).history_seq)
    if method == "get":
        response = client.get(url, rule.query or QUERY.get(path, {}))
    elif rule.multipart:
        response = client.post(
            url, {"document": "CCCD", "file": SimpleUploadedFile("a.pdf", PDF_BYTES)}
        )
    else:
        response = client.post(url, rule.body, content_type="application/json")
    assert_acting_as(cast, actor, response)
    status = response.status_code
    where = (actor, method, path, rule.query, status)
    if actor in rule.allowed:
        assert status < 400, (*where, response.content[:200])
        if rule.check:
            rule.check(actor, cast, response.content)
        return
    # 404 for those who may not see the dossier, 409 for those who see it but may not act
    assert status in (401, 403, 404, 409), where
    if actor not in OWN and "{code}" in path and path.startswith("/api/v1/dossiers"):
        assert status in (401, 404), where
    if rule.refused is not None:
        assert status == (401 if actor == "anonymous" else rule.refused), where
    assert before == (Dossier.objects.count(), Dossier.objects.get(pk=dossier.pk).history_seq)


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
# Pages that end the session they are called with (the acting user is gone afterwards).
SIGNS_OUT = {"portal:logout", "accounts:withdraw_consent", "sso:logout"}
NAMESPACES = (
    "portal",
    "backoffice",
    "payments",
    "payments_staff",
    "stores",
    "results",
    "ioc",
    "ioc_public",
    "indicators",
    "audit",
    "accounts",
    "datasets",
    "sensors",
    "sensorthings",
    "ckan",
    "catalog",
    "integrations",
    "national_files",
    "national_inbound",
    "sso",
    "postal",
    "open311",
)
# Payments are handled by clerks, leaders and agency administrators (of any agency: the queue
# shows their own agencies' payments).
ACCOUNTANTS = {"clerk", "leader", "other_clerk", "other_leader", "province_leader", "agency_admin"}
STAFF_OF_DOSSIER = {"clerk", "specialist", "leader"}
# The world's report is the department's (cast.dept): its officials handle it.
RESPONSIBLE_FOR_REPORT = {"specialist", "leader"}


@pytest.fixture
def pages_world(db, django_capture_on_commit_callbacks, settings):
    settings.TINHSO_OIDC_ISSUER = ""  # signing in with VNeID is off: its pages send to the login
    settings.TINHSO_IOC_BOUNDARIES = ""  # no boundary file configured
    cast = make_cast()
    add_actors(cast)

    def filed():
        return file_online(cast)

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
    result_services.prepare_result(user=cast.specialist, dossier=main, fields={})
    Category.objects.create(code="o-ga", name="Ổ gà, hư hỏng mặt đường", agency=cast.dept)
    report = report_services.file_report(
        data=report_services.NewReport(
            category="o-ga", description="Ổ gà lớn giữa đường", lat="10.2475", lon="106.3860"
        ),
        reporter=cast.citizen,
    )
    programme = make_programme(cast)
    audit = make_audit_objects()
    catalogue = catalogue_for(cast)
    ensure_network()
    return {
        "catalogue": catalogue,
        "report": report,
        "programme": programme,
        "audit": audit,
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
        # A message the national portal refused: in the dead-letter list.
        "dead": OutboxItem.objects.create(
            system="dvcqg", operation="sync", key=main.code, dossier=main, status="dead"
        ),
    }


def national_token(attachment: Any) -> str:
    return make_token("attachment", attachment.pk, attachment.dossier_id, attachment.sha256)


def page_rules(w: dict) -> dict[str, Rule | list[Rule]]:
    main, waiting, done = w["main"].code, w["waiting"].code, w["done"].code
    att, slip = w["attachment"].pk, w["slip"].pk
    return {
        "portal:home": Rule(EVERYONE),
        "portal:procedures": Rule(EVERYONE),
        "portal:procedure": Rule(EVERYONE, kwargs={"code": "2.000001"}),
        "portal:lookup": Rule(EVERYONE),
        "portal:login": Rule(EVERYONE),
        "portal:register": Rule({"anonymous"} | LOGGED_IN),
        "portal:logout": Rule(EVERYONE, "post", {}, writes=False),
        "portal:apply": Rule(LOGGED_IN, kwargs={"code": "2.000001"}),
        "portal:draft": Rule({"citizen"}, kwargs={"pk": str(w["draft"].pk)}),
        # Reports and petitions (issue 18): the public list, the form and a public report are for
        # everyone; the SMS code needs a phone (none given here: 400 for all); "mine" needs an
        # account; support is another citizen's (the reporter's own is refused); rating and
        # reopening are the reporter's, after an answer (none yet: refused for all).
        "portal:reports": Rule(EVERYONE),
        "portal:report_new": Rule(EVERYONE),
        "portal:report_code": Rule(set(), "post", {}),
        "portal:my_reports": Rule(LOGGED_IN),
        "portal:report": Rule(EVERYONE, kwargs={"public_id": w["report"].public_id}),
        # (The fingerprint does not hold reports: the writes are asserted in the reports tests.)
        "portal:report_support": Rule(
            {"other_citizen"}, "post", {}, kwargs={"public_id": w["report"].public_id}, writes=False
        ),
        "portal:report_rate": Rule(
            set(), "post", {"rating": "satisfied"}, kwargs={"public_id": w["report"].public_id}
        ),
        "portal:report_reopen": Rule(
            set(), "post", {}, kwargs={"public_id": w["report"].public_id}
        ),
        # The filing page's population lookup (R-NAT-081): a code to the citizen's own phone, then
        # the lookup with that code; without a code sent, every caller is refused (the whole flow is
        # in integrations/tests/test_population_citizen.py). Nothing the fingerprint holds changes.
        "portal:dancu_code": Rule(
            {"citizen"}, "post", {}, kwargs={"code": "2.000001"}, writes=False
        ),
        "portal:dancu_lookup": Rule(set(), "post", {"code": "123456"}, kwargs={"code": "2.000001"}),
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
        "backoffice:inbox": Rule(STAFF),
        # The officials' report pages (issue 18): every official's own list; a report's page, its
        # actions and its photos for the responsible agency's officials only (404 for the others).
        "backoffice:reports": Rule(OFFICIALS - {"auditor", "security", "integration"}),
        "backoffice:report": Rule(
            RESPONSIBLE_FOR_REPORT, kwargs={"public_id": w["report"].public_id}
        ),
        "backoffice:report_act": Rule(
            {"leader"},
            "post",
            {"action": "acknowledge"},
            kwargs={"public_id": w["report"].public_id},
            writes=False,  # the fingerprint does not hold reports (see the reports tests)
        ),
        "backoffice:report_photo": Rule(
            set(), kwargs={"public_id": w["report"].public_id, "pk": "999999"}
        ),
        "backoffice:dossier": Rule(STAFF_OF_DOSSIER, kwargs={"code": main}),
        "backoffice:attachment": Rule(STAFF_OF_DOSSIER, kwargs={"code": main, "pk": str(att)}),
        "backoffice:slip": Rule(STAFF_OF_DOSSIER, kwargs={"code": main, "pk": str(slip)}),
        "backoffice:control_slip": Rule(STAFF_OF_DOSSIER, kwargs={"code": main}),
        "backoffice:act": Rule(
            {"specialist"}, "post", {"action": "complete_step"}, kwargs={"code": main}
        ),
        # The result: the specialist prepares the draft, the competent agency's officials read it
        # (the receiving counter's clerk does not), whoever sees the dossier opens the signed one.
        "backoffice:result_draft": Rule(
            {"specialist"}, "post", {"ket_qua_pdf": "__pdf__"}, kwargs={"code": main}
        ),
        "backoffice:result_draft_pdf": Rule({"specialist", "leader"}, kwargs={"code": main}),
        "backoffice:result_pdf": Rule(STAFF_OF_DOSSIER, kwargs={"code": done}),
        "backoffice:counter_new": Rule({"clerk", "other_clerk"}),
        "backoffice:counter_done": Rule(STAFF_OF_DOSSIER, kwargs={"code": main}),
        # Receipt anywhere (R-ACT-1): any counter finds a *submitted* dossier by its code; ``main``
        # is received, so only its own counter finds it (its full page), another counter gets 404.
        "backoffice:counter_find": Rule({"clerk"}, query={"ma": main}),
        # Received already: 409 for its counter, 404 for everyone else; nothing changes.
        "backoffice:counter_receive": Rule(set(), "post", {}, kwargs={"code": main}),
        # Protocol endpoints answer everyone as their protocol defines (never a login page) and change nothing
        # without a valid signature.
        "payments:vnpay_ipn": Rule(EVERYONE, protocol=True),
        "payments:return": [
            Rule(EVERYONE, protocol=True, kwargs={"provider": p}) for p in ("vnpay", "vietqr")
        ],
        "payments:callback": [
            Rule(EVERYONE, protocol=True, kwargs={"provider": p})
            for p in ("vnpay", "counter", "paygov")
        ],
        "payments:webhook": Rule(set(), "post", {"amount": 1}, kwargs={"provider": "vietqr"}),
        # Nobody can start a payment of the dossier, already paid at the counter: strangers get 404,
        # the owner a message; the counter is never started by payers (404).
        "payments:start": [
            Rule(set(), "post", {}, kwargs={"provider": p, "code": main})
            for p in ("vnpay", "counter", "paygov")
        ],
        # The counter cannot be asked about a payment: its clerk gets a message, others 404.
        "payments:query": Rule(
            set(),
            "post",
            {},
            kwargs={"provider": "counter", "reference": w["receipt"].payment.reference},
        ),
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
        # The integration layer's page and its re-queue button: its operators only (404 for the
        # other officials, the login page for anonymous visitors).
        "integrations:overview": Rule({"integration"}),
        "integrations:requeue": Rule({"integration"}, "post", {}, kwargs={"pk": str(w["dead"].pk)}),
        # It queues the catalogue import and audits that: nothing the matrix's fingerprint holds.
        "integrations:sync_catalogue": Rule({"integration"}, "post", {}, writes=False),
        # The push endpoint of dossiers filed on the national portal: the national side's shared
        # secret only (a bearer token, never a session); every actor here is refused, nothing changes.
        "national_inbound:push": Rule(EVERYONE, "post", {}, protocol=True),
        # Sign-in through the national portal: anyone may start it (a redirect to the provider)
        # and come back (a callback without a started sign-in is refused on the login page); the
        # sign-out ends the session.
        "sso:start": Rule(EVERYONE, "post", {}, writes=False),
        "sso:callback": Rule(set(), query={"code": "x", "state": "y"}),
        "sso:logout": Rule(EVERYONE, "post", {}, writes=False),
        # The post's tracking notifications: its HMAC signature only; every actor here is refused.
        "postal:tracking": Rule(EVERYONE, "post", {}, protocol=True),
        # Open311 GeoReport v2 (issue 18): a protocol for client apps; reads are public, writes
        # need the client's API key (never a session), so every actor here is refused a write.
        "open311:discovery": Rule(EVERYONE, protocol=True, kwargs={"fmt": "json"}),
        "open311:services": Rule(EVERYONE, protocol=True, kwargs={"fmt": "xml"}),
        "open311:service": Rule(
            EVERYONE, protocol=True, kwargs={"fmt": "json", "service_code": "o-ga"}
        ),
        "open311:requests": [
            Rule(EVERYONE, protocol=True, kwargs={"fmt": "json"}),
            Rule(EVERYONE, "post", {"service_code": "o-ga"}, protocol=True, kwargs={"fmt": "json"}),
        ],
        "open311:request": Rule(
            EVERYONE, protocol=True, kwargs={"fmt": "json", "request_id": "PA-KHONGCO"}
        ),
        "open311:token": Rule(EVERYONE, protocol=True, kwargs={"fmt": "json", "token": "x"}),
        "open311:updates": Rule(EVERYONE, "post", {}, protocol=True, kwargs={"fmt": "json"}),
        # The signed link the national portal fetches a file by (R-NAT-035): whoever holds it,
        # as a QR code's result link; it changes nothing.
        "national_files:file": Rule(
            EVERYONE,
            protocol=True,
            kwargs={"token": national_token(w["attachment"])},
        ),
        **ioc_rules(w),
        **indicator_rules(w),
        **audit_rules(w),
        **account_rules(w),
        **data_rules(w),
    }


def data_rules(w: dict) -> dict[str, Rule | list[Rule]]:
    """Open data and salinity monitoring: public to read; a dataset is published by the staff of
    its organisation's agency (stp: ``specialist`` and ``leader``); a private dataset is seen by
    them alone (404 for everyone else). The CKAN, DCAT and SensorThings endpoints are protocols."""
    publishers = {"specialist", "leader"}
    rid = str(w["catalogue"].measurements.pk)
    public = {"name": "do-man-song"}
    resource = {**public, "rid": rid}
    return {
        "datasets:list": Rule(EVERYONE),
        "datasets:dataset": [
            Rule(EVERYONE, kwargs=public),
            Rule(publishers, kwargs={"name": "du-lieu-noi-bo"}),
        ],
        "datasets:resource": Rule(EVERYONE, kwargs=resource),
        "datasets:download": Rule(EVERYONE, kwargs={**resource, "fmt": "csv"}),
        "datasets:file": Rule(EVERYONE, kwargs={**resource, "filename": "so-do.csv"}),
        "datasets:manage": Rule(publishers | {"other_specialist", "other_leader"}),
        "datasets:create": Rule(publishers | {"other_specialist", "other_leader"}),
        "datasets:edit": Rule(publishers, kwargs=public),
        "datasets:upload": Rule(publishers, kwargs=public),
        "datasets:columns": Rule(publishers, kwargs=resource),
        "ckan:version": Rule(EVERYONE, protocol=True),
        "ckan:action": [
            Rule(EVERYONE, kwargs={"name": "package_list"}, protocol=True),
            Rule(
                EVERYONE,
                kwargs={"name": "package_show"},
                query={"id": "du-lieu-noi-bo"},
                protocol=True,
            ),
        ],
        "catalog:jsonld": Rule(EVERYONE, protocol=True),
        "catalog:turtle": Rule(EVERYONE, protocol=True),
        "catalog:data_json": Rule(EVERYONE, protocol=True),
        "catalog:ckan_action": Rule(EVERYONE, kwargs={"name": "package_list"}, protocol=True),
        "sensors:map": Rule(EVERYONE),
        "sensors:station": Rule(EVERYONE, kwargs={"code": "my-hoa"}),
        "sensors:subscribe": Rule(EVERYONE),
        # Capability links: an unknown token is a 404 for everyone.
        "sensors:confirm": Rule(set(), kwargs={"token": "x"}),
        "sensors:unsubscribe": Rule(set(), kwargs={"token": "x"}),
        "sensorthings:root": Rule(EVERYONE, protocol=True),
        "sensorthings:resource": [
            Rule(EVERYONE, kwargs={"path": "Things"}, protocol=True),
            # Ingest without a device token: refused as the protocol says, nothing stored.
            Rule(EVERYONE, "post", {}, kwargs={"path": "CreateObservations"}, protocol=True),
        ],
    }


def lists_dossier(code_key: str, seen_by: set[str]) -> Check:
    """The answer names the dossier ``code_key`` of the world exactly for ``seen_by``."""

    def check(actor: str, w: Any, content: bytes) -> None:
        shown = w[code_key].code in content.decode()
        assert shown == (actor in seen_by), (actor, code_key, shown)

    return check


def ioc_rules(w: dict) -> dict[str, Rule | list[Rule]]:
    stp = str(w["cast"].dept.pk)
    return {
        # A leader sees their agency (the default scope), the province's leaders everything.
        "ioc:dashboard": [
            Rule(IOC_LEADERS, refused=403),
            Rule({"leader", "province_leader"}, query={"agency": stp}, refused=403),
        ],
        # The dossiers behind a figure: the operations centre's scope, then what the user may
        # read — every dossier for the province's leaders (audited, docs/security.md).
        "ioc:dossiers": [
            Rule(
                IOC_LEADERS,
                query={"metric": "received"},
                refused=403,
                check=lists_dossier("main", {"leader", "province_leader"}),
            ),
            Rule({"leader", "province_leader"}, query={"metric": "received", "agency": stp}),
        ],
        # A dossier behind a figure, read only: the province's leaders; everyone else 404.
        "ioc:dossier": Rule(
            {"province_leader"}, kwargs={"code": w["main"].code}, writes=False, refused=404
        ),
        "ioc:index766": Rule(IOC_LEADERS, query={"period": this_month()}, refused=403),
        "ioc:export": [
            Rule(IOC_LEADERS, kwargs={"table": "summary", "fmt": "xlsx"}, refused=403),
            Rule(
                {"leader", "province_leader"},
                kwargs={"table": "breakdown", "fmt": "xlsx"},
                query={"agency": stp},
                refused=403,
            ),
        ],
        "ioc_public:home": Rule(EVERYONE),
        "ioc_public:export": Rule(EVERYONE, kwargs={"fmt": "xlsx"}),
    }


def indicator_rules(w: dict) -> dict[str, Rule | list[Rule]]:
    """Every official sees the programme pages; the department answering for a target, task or
    sector panel (its specialist, leader, agency administrator) changes it."""
    p = w["programme"]
    target = {"code": TARGET_CODE}
    task = {"pk": str(p.task.pk)}
    return {
        "indicators:tracker": Rule(OFFICIALS, refused=403),
        "indicators:target": [
            Rule(OFFICIALS, kwargs=target, refused=403),
            Rule(
                RESPONSIBLE,
                "post",
                {"as_of": "2025-09-30", "value": "90", "document": "__pdf__"},
                kwargs=target,
                refused=403,
            ),
        ],
        "indicators:target_document": Rule(
            OFFICIALS, kwargs={**target, "pk": str(p.target_value_pk)}, refused=403
        ),
        "indicators:task": [
            Rule(OFFICIALS, kwargs=task, refused=403),
            Rule(
                RESPONSIBLE,
                "post",
                {"status": "in_progress", "progress": "40", "text": "Đã số hóa 40%"},
                kwargs=task,
                refused=403,
            ),
        ],
        "indicators:sectors": Rule(OFFICIALS, refused=403),
        "indicators:sector": [
            Rule(OFFICIALS, kwargs={"sector": SECTOR}, refused=403),
            Rule(
                RESPONSIBLE,
                "post",
                {"file": "__csv__", "note": "Số liệu 2024"},
                kwargs={"sector": SECTOR},
                refused=403,
            ),
        ],
        "indicators:sector_file": Rule(
            OFFICIALS, kwargs={"sector": SECTOR, "version": str(p.upload.version)}, refused=403
        ),
        "indicators:map": Rule(OFFICIALS, refused=403),
        # No boundary file is configured: 404 for the officials, refused for the others.
        "indicators:boundaries": Rule(set()),
        "indicators:alerts": Rule(OFFICIALS, refused=403),
        "indicators:subscribe": Rule(OFFICIALS, "post", {"subscribe": "1"}, refused=403),
        "indicators:export": [
            Rule(OFFICIALS, kwargs={"table": "targets", "fmt": "xlsx"}, refused=403),
            Rule(OFFICIALS, kwargs={"table": SECTOR, "fmt": "xlsx"}, refused=403),
        ],
    }


def audit_rules(w: dict) -> dict[str, Rule | list[Rule]]:
    """Auditors and security staff read the log; the SOC is security's. Others get 404."""
    a = w["audit"]
    return {
        "audit:search": Rule(AUDIT_READERS, refused=404),
        "audit:entry": Rule(AUDIT_READERS, kwargs={"pk": str(a.entry.pk)}, refused=404),
        "audit:export": Rule(AUDIT_READERS, refused=404),
        "audit:soc": Rule({"security"}, refused=404),
        "audit:verify": Rule({"security"}, "post", {}, refused=404),
        "audit:acknowledge": Rule(
            {"security"}, "post", {"note": "Đã xem"}, kwargs={"pk": str(a.alert.pk)}, refused=404
        ),
    }


def own_data(actor: str, w: Any, content: bytes) -> None:
    data = json.loads(content)
    assert data["profile"]["username"] == getattr(w["cast"], actor).username, actor


def account_rules(w: dict) -> dict[str, Rule | list[Rule]]:
    security = {"pk": str(w["cast"].security.pk)}
    specialist = {"pk": str(w["cast"].science_specialist.pk)}
    return {
        # Nothing to do for a session that passed (or needs no) second factor: a redirect.
        "accounts:otp_verify": Rule(LOGGED_IN),
        # A locked account's owner asks for a code and signs in with it (public forms).
        "accounts:unlock_request": Rule(EVERYONE),
        "accounts:unlock_verify": Rule(EVERYONE),
        "accounts:otp_enrol": Rule(LOGGED_IN),
        "accounts:otp_staff": Rule({"agency_admin"}, refused=403),
        # The agency administrator resets the second factor of their agency's dossier staff, never
        # the security officer's (a superuser's job).
        "accounts:otp_reset": [
            Rule({"agency_admin"}, "post", {}, kwargs=specialist, refused=403),
            Rule(set(), "post", {}, kwargs=security, refused=403),
        ],
        # Security keys (WebAuthn): an official's own, from a verified session. Adding one needs a
        # TOTP authenticator first (the world's security officer has one; other officials are
        # refused with 400, citizens with 404). Nobody holds a valid attestation or assertion
        # here, and every session is already verified: the sign-in endpoints answer 409.
        "accounts:webauthn_keys": Rule(OFFICIALS, refused=404),
        "accounts:webauthn_register_options": Rule({"security"}, "post", {}, writes=False),
        "accounts:webauthn_register": Rule(set(), "post", {}),
        "accounts:webauthn_remove": Rule(
            {"security"}, "post", {}, kwargs={"pk": str(w["cast"].security_key.pk)}, refused=404
        ),
        "accounts:webauthn_auth_options": Rule(set(), "post", {}),
        "accounts:webauthn_authenticate": Rule(set(), "post", {}),
        # Signing in with VNeID is off: everyone is sent back to the login page, nothing changes.
        "accounts:oidc_start": Rule(EVERYONE, "post", {}, writes=False),
        "accounts:oidc_callback": Rule(EVERYONE, writes=False),
        # Everyone signed in may open it; an official is sent on (not gated), a citizen decides.
        "accounts:consent": Rule(LOGGED_IN),
        "accounts:withdraw_consent": Rule(CITIZENS, "post", {}),
        "accounts:my_data": Rule(LOGGED_IN),
        # Everyone signed in changes their own password (the form; a POST needs the current one).
        "accounts:password_change": Rule(LOGGED_IN),
        # The download changes nothing but the audit log (counted in ``fingerprint``).
        "accounts:my_data_download": Rule(LOGGED_IN, "post", {}, check=own_data),
    }


def fingerprint() -> tuple:
    return (
        tuple(Dossier.objects.order_by("pk").values_list("status", "history_seq", "paid_amount")),
        HistoryEntry.objects.count(),
        Rating.objects.count(),
        tuple(IncomingTransfer.objects.order_by("pk").values_list("status", flat=True)),
        StoredDocument.objects.count(),
        tuple(Payment.objects.order_by("pk").values_list("status", flat=True)),
        TargetValue.objects.count(),
        TaskReport.objects.count(),
        SectorUpload.objects.count(),
        AlertSubscription.objects.count(),
        SecurityAlert.objects.filter(acknowledged_at__isnull=False).count(),
        ChainCheck.objects.count(),
        SecondFactor.objects.count(),
        WebAuthnCredential.objects.count(),
        Dataset.objects.count(),
        ResourceVersion.objects.count(),
        DatastoreRow.objects.count(),
        Observation.objects.count(),
        Subscription.objects.count(),
        Consent.objects.count(),
        tuple(ResultDraft.objects.order_by("pk").values_list("revision", flat=True)),
        tuple(OutboxItem.objects.order_by("pk").values_list("status", flat=True)),
        # Downloading one's own data changes nothing but leaves this trace.
        AuditEntry.objects.filter(action="account.data_export").count(),
    )


UPLOADS = {
    "__pdf__": lambda: SimpleUploadedFile("b.pdf", PDF_BYTES),
    "__csv__": lambda: SimpleUploadedFile("so-lieu.csv", SECTOR_CSV),
}


def test_every_page_has_a_rule(pages_world):
    names = {name for prefix in NAMESPACES for name, _ in url_patterns(prefix)}
    missing = names - set(page_rules(pages_world))
    assert not missing, f"Pages without a permission rule: {sorted(missing)}"


@pytest.mark.parametrize("actor", ACTORS)
def test_page_matrix(pages_world, actor):
    clients = clients_for(pages_world["cast"], actor)
    for name, rules in page_rules(pages_world).items():
        for rule in as_list(rules):
            check_page_rule(pages_world, actor, clients(), name, rule)


def check_page_rule(w: dict, actor: str, client: Client, name: str, rule: Rule) -> None:
    from django.urls import reverse

    url = reverse(name, kwargs=rule.kwargs)
    with transaction.atomic():
        before = fingerprint()
        if rule.method == "get":
            response = client.get(url, rule.query)
        else:
            body = {k: UPLOADS[v]() if v in UPLOADS else v for k, v in (rule.body or {}).items()}
            response = client.post(url, body)
        content = response.getvalue()  # a streamed answer (export, file) is produced here
        after = fingerprint()
        if name not in SIGNS_OUT:
            assert_acting_as(w["cast"], actor, response)
        transaction.set_rollback(True)
    status = response.status_code
    where = (actor, name, rule.method, rule.query, status)
    if rule.protocol:
        assert status < 500 and "/dang-nhap/" not in response.get("Location", ""), where
        assert after == before, (*where, "unsigned protocol request changed data")
        return
    if actor in rule.allowed:
        assert status < 400, where
        if rule.must_write():
            assert after != before, (*where, "allowed write changed nothing")
            messages = (
                [str(m) for m in get_messages(response.wsgi_request)] if status == 302 else []
            )
            assert not any("Không thể" in m for m in messages), (*where, messages)
        elif rule.method == "post":
            assert after == before, (*where, "a request that should change nothing did")
        if rule.check:
            rule.check(actor, w, content)
        return
    assert status in PAGE_REFUSED, where
    if status == 302:
        assert "/dang-nhap/" in response["Location"] or rule.method == "post", where
    if rule.refused is not None:
        if actor == "anonymous":
            assert status == 302 and "/dang-nhap/" in response["Location"], where
        else:
            assert status == rule.refused, where
    assert after == before, (*where, "refused request changed data")

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
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.uploads import check_upload
from tinhso.testing import FORM_DATA, PDF_BYTES, make_cast, pdf_upload

ACTORS = [
    "anonymous", "citizen", "other_citizen",
    "clerk", "specialist", "leader",  # the receiving centre's clerk, the competent department's staff
    "other_clerk", "other_specialist", "other_leader",  # another agency
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


def api_rules(code: str) -> dict[tuple[str, str], Rule]:
    return {
        ("get", "/api/v1/health"): Rule(EVERYONE),
        ("post", "/api/v1/auth/token"): Rule(EVERYONE, "post", {"username": "citizen1", "password": "pw"}),
        ("get", "/api/v1/agencies"): Rule(EVERYONE),
        ("get", "/api/v1/procedures"): Rule(EVERYONE),
        ("get", "/api/v1/procedures/{code}"): Rule(EVERYONE, kwargs={"code": "2.000001"}),
        ("get", "/api/v1/calendar/due"): Rule(EVERYONE),
        ("get", "/api/v1/lookup/{code}"): Rule(EVERYONE, kwargs={"code": code}),
        ("post", "/api/v1/dossiers"): Rule(EVERYONE - {"anonymous"}, "post",
                                           {"procedure": "2.000001", "data": FORM_DATA}),
        ("get", "/api/v1/dossiers/{code}"): Rule(OWN, kwargs={"code": code}),
        ("post", "/api/v1/dossiers/{code}/attachments"): Rule(
            {"citizen", "clerk", "specialist", "leader"}, "post", multipart=True, kwargs={"code": code}
        ),
        # Receiving is the clerk's alone.
        ("post", "/api/v1/dossiers/{code}/actions"): Rule({"clerk"}, "post", {"action": "receive"},
                                                          kwargs={"code": code}),
    }


QUERY = {"/api/v1/calendar/due": {"start": "2025-06-10T09:00:00+07:00", "working_days": "1"},
         "/api/v1/lookup/{code}": {"phone_last4": "5678"}, "/api/v1/procedures": {"q": "khai sinh"}}


@pytest.fixture
def world(db):
    cast = make_cast()
    dossier, _ = services.file_dossier(
        user=cast.citizen, version=cast.province_procedure, data=FORM_DATA,
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
            response = client.post(url, {"document": "CCCD", "file": SimpleUploadedFile("a.pdf", PDF_BYTES)})
        else:
            response = client.post(url, rule.body, content_type="application/json")
        if actor in rule.allowed:
            assert response.status_code < 400, (actor, method, path, response.status_code, response.content[:200])
        else:
            # 404 for those who may not see the dossier, 409 for those who see it but may not act
            assert response.status_code in (401, 403, 404, 409), (actor, method, path, response.status_code)
            if actor not in OWN and "{code}" in path and path.startswith("/api/v1/dossiers"):
                assert response.status_code in (401, 404), (actor, path, response.status_code)
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

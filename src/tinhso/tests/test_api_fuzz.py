"""API fuzzing with Schemathesis against the committed OpenAPI document (docs/openapi.json):
no operation answers 5xx, and every response matches its declared schema.

Bounded for CI: a few generated requests per operation (``TINHSO_FUZZ_EXAMPLES``, default 8),
valid and invalid inputs (Schemathesis' positive and negative modes, NUL bytes allowed), no
shrinking, run in-process through the WSGI application, as an anonymous caller and as a citizen
with a bearer token. Statuses the document does not declare yet are tolerated (the standards work
completes the declarations); a declared one must match its schema.

Every answer is tallied by status; ``TINHSO_FUZZ_REPORT=path`` writes the tally as JSON (the figures
in docs/security.md come from ``TINHSO_FUZZ_EXAMPLES=100 TINHSO_FUZZ_REPORT=... pytest this file``).
"""

import json
import os
import secrets
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tinhso.accounts.api import _hash
from tinhso.accounts.models import ApiToken

OPENAPI = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"
EXAMPLES = int(os.environ.get("TINHSO_FUZZ_EXAMPLES", "8"))

schema = schemathesis.openapi.from_path(OPENAPI)
schema.app = WSGIHandler()
TALLY: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def tally() -> Iterator[Counter[str]]:
    """Counts every answer of the run (the process's, across operations); with
    ``TINHSO_FUZZ_REPORT`` set, the counts are written after each operation, so the file holds
    the whole run's at the end. Each answer is checked where it is received (no 5xx, JSON
    refusals), not here: Schemathesis may tear a module fixture down between operations."""
    yield TALLY
    report = os.environ.get("TINHSO_FUZZ_REPORT")
    if report:
        Path(report).write_text(json.dumps(dict(sorted(TALLY.items())), indent=2) + "\n")


@pytest.fixture
def api_caller(db, settings):
    from tinhso.testing import make_cast

    settings.TINHSO_API_RATE_ANON = settings.TINHSO_API_RATE_USER = ""
    settings.TINHSO_API_RATE_TOKEN = ""
    settings.TINHSO_LOGIN_FAILURES_PER_ACCOUNT = settings.TINHSO_LOGIN_FAILURES_PER_ADDRESS = 0
    # Like Django's test client: the test transaction's connection must survive each request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    cast = make_cast()
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=cast.citizen, key_hash=_hash(key))
    yield {"Authorization": f"Bearer {key}"}
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db(transaction=False)
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_never_fails_and_answers_as_documented(case, api_caller):
    checks = [not_a_server_error, response_schema_conformance]
    for headers in (None, api_caller):
        response = case.call(base_url="http://testserver", headers=headers)
        TALLY["requests"] += 1
        TALLY[str(response.status_code)] += 1
        TALLY[f"{case.operation.method.upper()} {case.operation.path}"] += 1
        if response.status_code >= 400:
            # Every refusal is the API's JSON error body, whatever the operation declares.
            content_type = response.headers.get("content-type", [""])[0]
            assert content_type.startswith("application/json"), (
                response.status_code,
                response.text,
            )
            assert "detail" in response.json()
        case.validate_response(response, checks=checks)

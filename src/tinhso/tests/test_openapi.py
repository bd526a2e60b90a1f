"""The committed OpenAPI document matches the code (regenerate with `make openapi`)."""

import json
import re
from pathlib import Path

from tinhso.management.commands.export_openapi import openapi_document

COMMITTED = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"


def test_committed_openapi_document_has_not_drifted():
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(openapi_document())), (
        "docs/openapi.json is stale: run `make openapi`"
    )


def test_openapi_served_and_docs_page_local(client, db):
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200
    paths = served.json()["paths"]
    for path in [
        "/api/v1/health",
        "/api/v1/auth/token",
        "/api/v1/dossiers",
        "/api/v1/dossiers/{code}/actions",
        "/api/v1/lookup/{code}",
        "/api/v1/calendar/due",
        "/api/v1/procedures/{code}",
    ]:
        assert path in paths
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    # No asset from a CDN (src/href only: a CSRF token in the page may contain the letters "cdn").
    assert not re.search(r'(?:src|href)="[^"]*cdn', html, re.IGNORECASE)
    assert "/static/ninja/" in html

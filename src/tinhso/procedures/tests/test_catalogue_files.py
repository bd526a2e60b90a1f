"""Structural checks on the shipped procedure catalogue (src/tinhso/procedures/catalogue/*.json).

The files are read with the standard library only, so a malformed file fails here before the
loader ever sees it. The format is described in docs/catalogue.md.
"""

import datetime
import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "catalogue"
FILES = sorted(CATALOGUE_DIR.glob("*.json"))

TOP_LEVEL_KEYS = {
    "code",
    "version",
    "effective_from",
    "name",
    "field",
    "level",
    "agencies",
    "receiving_agency",
    "mode",
    "processing",
    "fees",
    "requires_payment_before_processing",
    "documents",
    "form_schema",
    "workflow",
    "result",
    "legal_basis",
    "source",
    "unconfirmed",
}
OPTIONAL_KEYS = {"result_papers"}
PROCESSING_KEYS = {"counter_days", "online_days", "same_day", "cutoff"}
FEE_KEYS = {"counter", "online", "basis", "note", "exemptions"}
DOCUMENT_KEYS = {"code", "name", "original", "quantity", "e_copy_accepted", "required"}
STEP_KEYS = {"name", "role", "action", "share"}
EXEMPTION_KEYS = {"group", "reduction_percent", "reason"}
CODE_RE = re.compile(r"^[0-9]\.[0-9]{6}$")
SLUG_RE = re.compile(r"^[a-z0-9-]+$")
DAYS_RE = re.compile(r"^[0-9]+(\.[0-9]{1,2})?$")
SHARE_RE = re.compile(r"^[01](\.[0-9]{1,3})?$")
PROPERTY_TYPES = {"string", "integer", "boolean"}
STRING_FORMATS = {"date", "email"}


def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data = json.load(handle)
    assert isinstance(data, dict), f"{path.name}: the top level must be an object"
    return data


@pytest.fixture(scope="module")
def catalogue() -> dict[str, dict[str, Any]]:
    return {path.name: _load(path) for path in FILES}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _decimal(value: Any, pattern: re.Pattern[str]) -> Decimal:
    assert isinstance(value, str) and pattern.match(value), f"{value!r} is not a decimal string"
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern already excludes this
        pytest.fail(f"{value!r} is not a decimal")


def _resolve(data: dict[str, Any], dotted: str) -> bool:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def test_catalogue_ships_at_least_twenty_procedures():
    assert len(FILES) >= 20


def test_codes_are_unique_across_files(catalogue):
    codes = [data["code"] for data in catalogue.values()]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_file_has_exactly_the_documented_keys_and_is_named_after_its_code(path):
    data = _load(path)
    assert TOP_LEVEL_KEYS <= set(data) <= TOP_LEVEL_KEYS | OPTIONAL_KEYS
    assert CODE_RE.match(data["code"])
    assert path.name == data["code"].replace(".", "_") + ".json"
    assert _is_int(data["version"]) and data["version"] >= 1
    datetime.date.fromisoformat(data["effective_from"])
    for key in ("name", "result", "legal_basis", "source"):
        assert isinstance(data[key], str) and data[key].strip(), key
    assert len(data["name"]) <= 400
    field = data["field"]
    assert set(field) == {"code", "name"}
    assert SLUG_RE.match(field["code"]) and len(field["code"]) <= 40 and field["name"].strip()
    assert isinstance(data["requires_payment_before_processing"], bool)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_level_agencies_and_mode_are_consistent(path):
    data = _load(path)
    assert data["mode"] in {"full_online", "partial"}
    assert all(isinstance(slug, str) and SLUG_RE.match(slug) for slug in data["agencies"])
    assert len(set(data["agencies"])) == len(data["agencies"])
    if data["level"] == "commune":
        assert data["agencies"] == []
        assert data["receiving_agency"] is None
    else:
        assert data["level"] == "province"
        assert data["agencies"], "a province-level procedure names its competent agency"
        receiving = data["receiving_agency"]
        assert receiving is None or (isinstance(receiving, str) and SLUG_RE.match(receiving))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_processing_times_are_decimal_strings_and_same_day_has_the_cutoff(path):
    processing = _load(path)["processing"]
    assert set(processing) == PROCESSING_KEYS
    assert _decimal(processing["counter_days"], DAYS_RE) > 0
    if processing["online_days"] is not None:
        assert _decimal(processing["online_days"], DAYS_RE) > 0
    assert isinstance(processing["same_day"], bool)
    if processing["same_day"]:
        assert processing["cutoff"] == "15:00"
    else:
        assert processing["cutoff"] is None


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_fees_are_non_negative_integer_dong(path):
    entry = _load(path)
    fees = entry["fees"]
    assert FEE_KEYS <= set(fees) <= FEE_KEYS | {"quantity_fields", "tiers"}
    fields = entry["form_schema"]["properties"]
    for name in fees.get(
        "quantity_fields", []
    ):  # quantities come from integer fields of the e-form
        assert fields[name]["type"] == "integer", name
    if fees["basis"] != "fixed":
        assert fees.get("quantity_fields") or fees.get("tiers"), (
            "a per-copy/per-unit fee needs its quantity"
        )
    assert _is_int(fees["counter"]) and fees["counter"] >= 0
    assert fees["online"] is None or (_is_int(fees["online"]) and fees["online"] >= 0)
    assert fees["basis"] in {"fixed", "per_copy", "per_unit"}
    assert isinstance(fees["note"], str)
    for exemption in fees["exemptions"]:
        assert set(exemption) == EXEMPTION_KEYS
        assert exemption["group"].strip() and exemption["reason"].strip()
        assert _is_int(exemption["reduction_percent"]) and 0 < exemption["reduction_percent"] <= 100


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_documents_are_well_formed_with_unique_codes(path):
    documents = _load(path)["documents"]
    assert documents
    for document in documents:
        assert set(document) == DOCUMENT_KEYS
        assert isinstance(document["code"], str) and 0 < len(document["code"]) <= 40
        assert isinstance(document["name"], str) and 0 < len(document["name"]) <= 400
        assert _is_int(document["quantity"]) and document["quantity"] >= 1
        for flag in ("original", "e_copy_accepted", "required"):
            assert isinstance(document[flag], bool), flag
    codes = [document["code"] for document in documents]
    assert len(codes) == len(set(codes))
    assert any(document["required"] for document in documents)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_workflow_starts_with_receive_ends_with_issue_and_shares_sum_to_one(path):
    workflow = _load(path)["workflow"]
    assert len(workflow) >= 3
    for step in workflow:
        assert set(step) == STEP_KEYS
        assert isinstance(step["name"], str) and 0 < len(step["name"]) <= 200
        assert step["role"] in {"clerk", "specialist", "leader"}
        assert step["action"] in {"receive", "complete_step", "approve", "issue_result"}
        assert _decimal(step["share"], SHARE_RE) > 0
    actions = [step["action"] for step in workflow]
    assert actions[0] == "receive"
    assert actions[-1] == "issue_result"
    assert actions.count("approve") == 1
    assert sum(Decimal(step["share"]) for step in workflow) == Decimal("1")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_form_schema_is_a_valid_compact_draft_2020_12_object_schema(path):
    schema = _load(path)["form_schema"]
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object"
    properties = schema["properties"]
    assert 4 <= len(properties) <= 10
    assert schema["required"] and set(schema["required"]) <= set(properties)
    for key, prop in properties.items():
        assert SLUG_RE.match(key.replace("_", "-")), key
        assert prop["type"] in PROPERTY_TYPES, key
        assert prop["title"].strip(), key
        if "format" in prop:
            assert prop["format"] in STRING_FORMATS, key
        if "enum" in prop:
            assert prop["enum"] and all(isinstance(value, str) for value in prop["enum"]), key


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_form_schema_accepts_nothing_outside_its_fields(path):
    schema = _load(path)["form_schema"]
    validator = Draft202012Validator(schema)
    assert not validator.is_valid({})
    assert schema.get("additionalProperties") is False


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_unconfirmed_entries_point_at_existing_fields(path):
    data = _load(path)
    assert isinstance(data["unconfirmed"], list)
    assert len(set(data["unconfirmed"])) == len(data["unconfirmed"])
    for dotted in data["unconfirmed"]:
        assert _resolve(data, dotted), dotted


def test_catalogue_mixes_the_cases_the_platform_must_handle(catalogue):
    procedures = list(catalogue.values())
    levels = {data["level"] for data in procedures}
    same_day = [data for data in procedures if data["processing"]["same_day"]]
    per_copy = [
        data
        for data in procedures
        if data["fees"]["basis"] == "per_copy" and data["fees"]["counter"] > 0
    ]
    online_differs = [
        data
        for data in procedures
        if (
            data["fees"]["online"] is not None and data["fees"]["online"] != data["fees"]["counter"]
        )
        or (data["processing"]["online_days"] not in (None, data["processing"]["counter_days"]))
    ]
    partial = [data for data in procedures if data["mode"] == "partial"]
    assert levels == {"commune", "province"}
    assert len(same_day) >= 3
    assert len(per_copy) >= 2
    # One since 3.000347 v2: its reduced online fee ended on 31/12/2025 (docs/catalogue.md).
    assert len(online_differs) >= 1
    assert len(partial) >= 2

"""Load the procedure catalogue from versioned JSON data files (format: docs/catalogue.md).

Loading is idempotent: a (code, version) already in the database is updated in place only
while no dossier uses it; once a dossier was filed under a version, that version is frozen
and a changed file must carry a new version number. A newer version closes the effective
period of the previous one.
"""

import datetime
import itertools
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import jsonschema
from django.db import transaction

from tinhso.agencies.models import Agency
from tinhso.procedures.cache import catalogue_changed
from tinhso.procedures.models import (
    Field,
    Procedure,
    ProcedureVersion,
    RequiredDocument,
    WorkflowStep,
)

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"
ROLES = {"clerk", "specialist", "leader"}


class CatalogueError(Exception):
    pass


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    frozen: int = 0
    warnings: list[str] | None = None


def _decimal(value: Any, where: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise CatalogueError(f"{where}: {value!r} is not a number") from exc


def validate_entry(entry: dict[str, Any], where: str) -> None:
    for key in (
        "code",
        "version",
        "effective_from",
        "name",
        "field",
        "level",
        "mode",
        "processing",
        "fees",
        "documents",
        "form_schema",
        "workflow",
    ):
        if key not in entry:
            raise CatalogueError(f"{where}: missing key {key!r}")
    if entry["level"] not in ("commune", "province"):
        raise CatalogueError(f"{where}: level must be commune or province")
    if entry["mode"] not in ("full_online", "partial", "offline"):
        raise CatalogueError(f"{where}: mode must be full_online or partial")
    steps = entry["workflow"]
    actions = [s["action"] for s in steps]
    if (
        not steps
        or actions[0] != "receive"
        or actions[-1] != "issue_result"
        or actions.count("approve") != 1
    ):
        raise CatalogueError(
            f"{where}: workflow must start with receive, end with issue_result, approve once"
        )
    if any(s["role"] not in ROLES for s in steps):
        raise CatalogueError(f"{where}: workflow roles must be one of {sorted(ROLES)}")
    if sum(_decimal(s["share"], where) for s in steps) != Decimal("1"):
        raise CatalogueError(f"{where}: workflow shares must add up to 1")
    jsonschema.Draft202012Validator.check_schema(entry["form_schema"])
    validate_result_papers(entry.get("result_papers", []), where)
    for fee_key in ("counter", "online"):
        fee = entry["fees"].get(fee_key)
        if fee is not None and (not isinstance(fee, int) or fee < 0):
            raise CatalogueError(f"{where}: fees.{fee_key} must be a non-negative integer (đồng)")


PAPER_ISSUERS = {"platform", "external"}


def validate_result_papers(papers: Any, where: str) -> None:
    """``result_papers``: a list, the main paper first; each with a code, a name, who issues it
    (``platform``: rendered from ``template`` and signed here; ``external``: produced by a national
    or sector system and uploaded as a PDF) and the JSON Schema of the fields an official fills."""
    if not isinstance(papers, list):
        raise CatalogueError(f"{where}: result_papers must be a list")
    codes = set()
    for i, paper in enumerate(papers):
        here = f"{where}: result_papers[{i}]"
        if not isinstance(paper, dict) or not paper.get("code") or not paper.get("name"):
            raise CatalogueError(f"{here} needs a code and a name")
        if paper["code"] in codes:
            raise CatalogueError(f"{here}: duplicate code {paper['code']!r}")
        codes.add(paper["code"])
        if paper.get("issued_by", "platform") not in PAPER_ISSUERS:
            raise CatalogueError(f"{here}: issued_by must be one of {sorted(PAPER_ISSUERS)}")
        if paper.get("issued_by") == "external" and not paper.get("system"):
            raise CatalogueError(f"{here}: an external paper names the system that issues it")
        schema = paper.get("schema", {"type": "object"})
        if not isinstance(schema, dict) or schema.get("type") != "object":
            raise CatalogueError(f"{here}: schema must be a JSON Schema of type object")
        jsonschema.Draft202012Validator.check_schema(schema)


def read_files(directory: Path = CATALOGUE_DIR) -> list[tuple[str, dict[str, Any]]]:
    entries = []
    for path in sorted(directory.glob("*.json")):
        entry = json.loads(path.read_text(encoding="utf-8"))
        validate_entry(entry, path.name)
        entries.append((path.name, entry))
    return entries


def _version_fields(
    entry: dict[str, Any], field: Field, agencies: dict[str, Agency]
) -> dict[str, Any]:
    processing = entry["processing"]
    fees = entry["fees"]
    receiving = entry.get("receiving_agency")
    listed = [agencies[s] for s in entry.get("agencies", []) if s in agencies]
    cutoff = processing.get("cutoff")
    return {
        "effective_from": datetime.date.fromisoformat(entry["effective_from"]),
        "name": entry["name"],
        "field": field,
        "level": entry["level"],
        "mode": entry["mode"],
        "default_agency": listed[0] if listed else None,
        "receiving_agency": agencies.get(receiving) if receiving else None,
        "processing_days": _decimal(processing["counter_days"], entry["code"]),
        "processing_days_online": (
            _decimal(processing["online_days"], entry["code"])
            if processing.get("online_days") is not None
            else None
        ),
        "same_day": bool(processing.get("same_day")),
        "same_day_cutoff": datetime.time.fromisoformat(cutoff) if cutoff else None,
        "fee": fees.get("counter") or 0,
        "fee_online": fees.get("online"),
        "fee_basis": fees.get("basis", "fixed"),
        "fee_note": fees.get("note", ""),
        "fee_exemptions": fees.get("exemptions", []),
        "fee_quantity_fields": fees.get("quantity_fields", []),
        "fee_tiers": fees.get("tiers"),
        "requires_payment_before_processing": bool(entry.get("requires_payment_before_processing")),
        "form_schema": entry["form_schema"],
        "result_description": entry.get("result", ""),
        "result_papers": entry.get("result_papers", []),
        "legal_basis": entry.get("legal_basis", ""),
        "source": entry.get("source", ""),
        "unconfirmed": entry.get("unconfirmed", []),
    }


@transaction.atomic
def load_catalogue(directory: Path = CATALOGUE_DIR) -> LoadReport:
    report = LoadReport(warnings=[])
    agencies = {a.slug: a for a in Agency.objects.all()}
    for name, entry in read_files(directory):
        missing = [
            s
            for s in [*entry.get("agencies", []), entry.get("receiving_agency")]
            if s and s not in agencies
        ]
        if missing:
            report.warnings.append(f"{name}: unknown agency slugs {missing}")  # type: ignore[union-attr]
        field, _ = Field.objects.update_or_create(
            code=entry["field"]["code"], defaults={"name": entry["field"]["name"]}
        )
        procedure, _ = Procedure.objects.get_or_create(code=entry["code"])
        values = _version_fields(entry, field, agencies)
        version = ProcedureVersion.objects.filter(
            procedure=procedure, version=entry["version"]
        ).first()
        if version is None:
            version = ProcedureVersion.objects.create(
                procedure=procedure, version=entry["version"], **values
            )
            report.created += 1
        elif version.dossiers.exists():
            report.frozen += 1
            continue
        else:
            for key, value in values.items():
                setattr(version, key, value)
            version.save()
            report.updated += 1
        version.agencies.set([agencies[s] for s in entry.get("agencies", []) if s in agencies])
        version.documents.all().delete()
        RequiredDocument.objects.bulk_create(
            RequiredDocument(
                version=version,
                position=i,
                code=d["code"],
                name=d["name"],
                original=bool(d.get("original")),
                quantity=int(d.get("quantity", 1)),
                e_copy_accepted=bool(d.get("e_copy_accepted", True)),
                required=bool(d.get("required", True)),
            )
            for i, d in enumerate(entry["documents"], start=1)
        )
        version.steps.all().delete()
        WorkflowStep.objects.bulk_create(
            WorkflowStep(
                version=version,
                position=i,
                name=s["name"],
                role=s["role"],
                action=s["action"],
                share=_decimal(s["share"], name),
            )
            for i, s in enumerate(entry["workflow"], start=1)
        )
        _close_previous(procedure, version)
    catalogue_changed()  # the bulk inserts above send no signal
    return report


def _close_previous(procedure: Procedure, version: ProcedureVersion) -> None:
    """Each version's period ends where the next one starts."""
    versions = list(procedure.versions.order_by("effective_from", "version"))
    for older, newer in itertools.pairwise(versions):
        if older.effective_to != newer.effective_from:
            older.effective_to = newer.effective_from
            older.save(update_fields=["effective_to"])

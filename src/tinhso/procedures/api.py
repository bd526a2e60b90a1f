from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from tinhso.apierrors import ApiError
from tinhso.procedures.models import ProcedureVersion
from tinhso.procedures.selectors import competent_agencies, search_procedures, version_by_code

router = Router(tags=["procedures"])


class ProcedureOut(Schema):
    code: str
    name: str
    version: int
    field: str
    level: str
    mode: str
    agency_code: str | None
    agencies: list[str]
    processing_days: Decimal
    same_day: bool
    fee: int


class DocumentOut(Schema):
    code: str
    name: str
    original: bool
    quantity: int
    e_copy_accepted: bool
    required: bool


class ResultPaperOut(Schema):
    code: str
    name: str
    issued_by: str
    system: str
    result_schema: dict[str, Any]


class ProcedureDetailOut(ProcedureOut):
    form_schema: dict[str, Any]
    documents: list[DocumentOut]
    processing_days_counter: Decimal
    fee_counter: int
    result: str
    result_schema: dict[str, Any]
    result_paper: ResultPaperOut | None
    result_papers: list[ResultPaperOut]
    receiving_agency: str | None


class ProcedureListOut(Schema):
    count: int
    items: list[ProcedureOut]


def _item(version: ProcedureVersion) -> dict[str, Any]:
    agencies = [a.code for a in competent_agencies(version)]
    default = (
        version.default_agency.code
        if version.default_agency
        else (agencies[0] if agencies else None)
    )
    return {
        "code": version.procedure.code,
        "name": version.name,
        "version": version.version,
        "field": version.field.name,
        "level": version.level,
        "mode": version.mode,
        "agency_code": default if version.level == "province" else None,
        "agencies": agencies,
        "processing_days": version.processing_days_for(online=True),
        "same_day": version.same_day,
        "fee": version.fee_for(online=True),
    }


def _paper(paper: dict[str, Any]) -> dict[str, Any]:
    """A result paper as the API shows it: ``issued_by`` is ``platform`` (rendered and signed
    here) or ``external`` (a PDF produced by ``system``, uploaded by the specialist)."""
    schema = paper.get("schema")
    return {
        "code": paper["code"],
        "name": paper["name"],
        "issued_by": paper.get("issued_by", "platform"),
        "system": paper.get("system", ""),
        "result_schema": schema if isinstance(schema, dict) else {"type": "object"},
    }


@router.get(
    "/procedures", response=ProcedureListOut, auth=None, summary="Search the procedure catalogue"
)
def list_procedures(request: HttpRequest, q: str = "") -> dict[str, Any]:
    items = [_item(v) for v in search_procedures(q)]
    return {"count": len(items), "items": items}


@router.get("/procedures/{code}", response=ProcedureDetailOut, auth=None, summary="One procedure")
def get_procedure(request: HttpRequest, code: str) -> dict[str, Any]:
    version = version_by_code(code)
    if version is None:
        raise ApiError(404, _("Không tìm thấy thủ tục “%(code)s”.") % {"code": code}, "code")
    return _item(version) | {
        "form_schema": version.form_schema,
        "documents": list(version.documents.all()),
        "processing_days_counter": version.processing_days_for(online=False),
        "fee_counter": version.fee_for(online=False),
        "result": version.result_description,
        # The main paper's fields at the top (the contract of issue 15), further papers each with theirs.
        "result_schema": version.result_schema,
        "result_paper": _paper(version.main_result_paper) if version.main_result_paper else None,
        "result_papers": [_paper(p) for p in version.result_papers[1:]],
        "receiving_agency": version.receiving_agency.code if version.receiving_agency else None,
    }

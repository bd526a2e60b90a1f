"""Periodic audit work (Celery beat: docs/audit.md). Thin: each calls one function."""

from typing import Any

from celery import shared_task

from tinhso.audit.alerts import evaluate_rules
from tinhso.audit.anchors import write_anchor
from tinhso.audit.verify import check_and_record


@shared_task(name="tinhso.audit.tasks.anchor_audit_log")
def anchor_audit_log(full: bool = False) -> dict[str, Any]:
    """Verify the log — from the last anchor's heads on, or all of it with ``full`` — then sign
    the heads just verified. A log that fails verification is not anchored."""
    report = check_and_record(incremental=not full)
    if not report.ok:
        return {
            "anchor_id": None,
            "problems": [str(p) for p in report.problems],
            "verified": report.entries,
            "since": report.since,
        }
    anchor = write_anchor(report.heads)
    return {
        "anchor_id": anchor.pk,
        "streams": len(anchor.heads),
        "key_fingerprint": anchor.key_fingerprint,
        "problems": [],
        "verified": report.entries,
        "since": report.since,
    }


@shared_task(name="tinhso.audit.tasks.verify_audit_log")
def verify_audit_log() -> bool:
    """The whole log, as ``tinhso audit verify`` (stored for the SOC page, alert when broken)."""
    return check_and_record().ok


@shared_task(name="tinhso.audit.tasks.evaluate_alerts")
def evaluate_alerts() -> int:
    return len(evaluate_rules())

"""Periodic audit work (Celery beat: docs/audit.md). Thin: each calls one function."""

from typing import Any

from celery import shared_task

from tinhso.audit.anchors import write_anchor
from tinhso.audit.verify import check_and_record


@shared_task(name="tinhso.audit.tasks.anchor_audit_log")
def anchor_audit_log() -> dict[str, Any]:
    """Verify the log, then sign its heads. A log that fails verification is not anchored."""
    report = check_and_record()
    if not report.ok:
        return {"anchor_id": None, "problems": [str(p) for p in report.problems]}
    anchor = write_anchor()
    return {
        "anchor_id": anchor.pk,
        "streams": len(anchor.heads),
        "key_fingerprint": anchor.key_fingerprint,
        "problems": [],
    }


@shared_task(name="tinhso.audit.tasks.evaluate_alerts")
def evaluate_alerts() -> int:
    from tinhso.audit.alerts import evaluate_rules

    return len(evaluate_rules())

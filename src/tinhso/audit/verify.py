"""``verify_chain``: recompute every stream and compare it with itself and the signed anchors.

Reported per stream, the first problem only (what follows a break cannot be trusted either):

- ``changed``: an entry's content no longer matches its hash, or its hash no longer matches the
  ``prev_hash`` the next entry recorded (the entry was rewritten together with its hash), or the
  hash at an anchored position differs from the signed anchor (a rewritten tail);
- ``removed``: a gap in the sequence numbers;
- ``reordered``: entries whose insertion order (primary key) disagrees with their sequence;
- ``truncated``: a stream ends before the position a signed anchor (or the stream head) records.

Anchors themselves are checked: signature, trusted key, and the database and the anchor files
must hold the same anchors.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from tinhso.audit.anchors import AnchorRecord, database_anchors, file_anchors, trusted_fingerprints
from tinhso.audit.chain import entry_hash
from tinhso.audit.models import GENESIS_HASH, AuditEntry, AuditStreamHead


@dataclass(frozen=True)
class Problem:
    kind: str
    stream: str
    message: str
    entry_id: int | None = None
    seq: int | None = None

    def __str__(self) -> str:
        where = f"entry #{self.entry_id} " if self.entry_id is not None else ""
        position = (
            f"(stream {self.stream}, seq {self.seq})" if self.seq else f"(stream {self.stream})"
        )
        return f"{self.kind.upper()}: {where}{position}: {self.message}"


@dataclass
class VerifyReport:
    entries: int = 0
    streams: int = 0
    anchors: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    source: str


def _describe(entry: AuditEntry) -> str:
    return f"{entry.action} {entry.target} {entry.created_at:%Y-%m-%d %H:%M:%S}".strip()


def _check_anchors(report: VerifyReport) -> list[AnchorRecord]:
    in_db = database_anchors()
    in_files = file_anchors()
    trusted = trusted_fingerprints()
    key = lambda record: (record.created_at, record.signature)  # noqa: E731
    db_keys = {key(record) for record in in_db}
    file_keys = {key(record) for record in in_files}
    if in_files:
        for record in in_files:
            if key(record) not in db_keys:
                report.problems.append(
                    Problem("removed", "*", f"anchor {record.source} is missing from the database")
                )
        for record in in_db:
            if key(record) not in file_keys:
                report.problems.append(
                    Problem("changed", "*", f"anchor {record.source} is not in the anchor files")
                )
    valid: list[AnchorRecord] = []
    seen: set[tuple[str, str]] = set()
    for record in in_files + in_db:
        if key(record) in seen:
            continue
        seen.add(key(record))
        if record.key_fingerprint not in trusted:
            report.problems.append(
                Problem("changed", "*", f"anchor {record.source} is signed by an untrusted key")
            )
        elif not record.signature_valid():
            report.problems.append(
                Problem("changed", "*", f"anchor {record.source} has an invalid signature")
            )
        else:
            valid.append(record)
    report.anchors = len(valid)
    return valid


def _checkpoints(anchors: list[AnchorRecord]) -> dict[str, dict[int, Checkpoint]]:
    result: dict[str, dict[int, Checkpoint]] = defaultdict(dict)
    for record in anchors:
        for stream, (seq, digest) in record.heads.items():
            result[stream][int(seq)] = Checkpoint(int(seq), str(digest), record.source)
    return result


def _verify_stream(
    stream: str, checkpoints: dict[int, Checkpoint], head_seq: int, report: VerifyReport
) -> Problem | None:
    expected, prev_hash, previous = 1, GENESIS_HASH, None
    entries = AuditEntry.objects.filter(stream=stream).order_by("seq")
    for entry in entries.iterator(chunk_size=2000):
        report.entries += 1
        if entry.seq != expected:
            return Problem(
                "removed",
                stream,
                f"entries with seq {expected}–{entry.seq - 1} are missing before this one "
                f"({_describe(entry)})",
                entry.pk,
                entry.seq,
            )
        if entry_hash(entry) != entry.hash:
            return Problem(
                "changed",
                stream,
                f"content does not match its hash ({_describe(entry)})",
                entry.pk,
                entry.seq,
            )
        if previous is not None and entry.pk < previous.pk:
            return Problem(
                "reordered",
                stream,
                f"was written before entry #{previous.pk} but is chained after it",
                entry.pk,
                entry.seq,
            )
        if entry.prev_hash != prev_hash:
            if previous is None:
                return Problem(
                    "changed", stream, "first entry does not start from the genesis hash",
                    entry.pk, entry.seq,
                )  # fmt: skip
            return Problem(
                "changed",
                stream,
                f"its hash no longer matches the one recorded by the next entry #{entry.pk} "
                f"(rewritten with a new hash, or replaced) ({_describe(previous)})",
                previous.pk,
                previous.seq,
            )
        checkpoint = checkpoints.get(entry.seq)
        if checkpoint is not None and checkpoint.hash != entry.hash:
            return Problem(
                "changed",
                stream,
                f"differs from signed anchor {checkpoint.source}: the stream was rewritten at or "
                f"before this position ({_describe(entry)})",
                entry.pk,
                entry.seq,
            )
        expected, prev_hash, previous = entry.seq + 1, entry.hash, entry
    last = expected - 1
    anchored = max(checkpoints, default=0)
    if anchored > last:
        source = checkpoints[anchored].source
        return Problem(
            "truncated",
            stream,
            f"ends at seq {last} but anchor {source} signed seq {anchored}: "
            f"entries {last + 1}–{anchored} and any after them were removed",
            previous.pk if previous else None,
            last or None,
        )
    if head_seq > last:
        return Problem(
            "truncated",
            stream,
            f"ends at seq {last} but the stream head records seq {head_seq} "
            "(entries removed after the last anchor)",
            previous.pk if previous else None,
            last or None,
        )
    return None


def verify_chain() -> VerifyReport:
    """Check every stream in full; ``report.ok`` when nothing was changed, removed or reordered."""
    report = VerifyReport()
    anchors = _check_anchors(report)
    checkpoints = _checkpoints(anchors)
    heads: dict[str, Any] = dict(AuditStreamHead.objects.values_list("stream", "seq"))
    streams = set(heads) | set(checkpoints)
    streams |= set(AuditEntry.objects.values_list("stream", flat=True).distinct())
    report.streams = len(streams)
    for stream in sorted(streams):
        problem = _verify_stream(stream, checkpoints.get(stream, {}), heads.get(stream, 0), report)
        if problem is not None:
            report.problems.append(problem)
    return report


def check_and_record() -> VerifyReport:
    """``verify_chain``, stored as a ``ChainCheck`` (the SOC page shows the latest); a broken
    chain raises the ``chain_broken`` alert."""
    from django.utils import timezone

    from tinhso.audit.models import ChainCheck

    report = verify_chain()
    problems = [str(problem) for problem in report.problems]
    ChainCheck.objects.create(
        created_at=timezone.now(),
        ok=report.ok,
        entries=report.entries,
        streams=report.streams,
        anchors=report.anchors,
        problems=problems[:50],
    )
    if not report.ok:
        from tinhso.audit.alerts import raise_chain_alert

        raise_chain_alert(problems)
    return report

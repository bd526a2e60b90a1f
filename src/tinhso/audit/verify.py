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

``verify_since_last_anchor`` is the check before a new anchor is signed: it trusts the latest
anchor in the database once its signature (by a trusted key) is valid and every head it signed is
still in the table with that hash and with content that still hashes to it, then checks each
stream from that head onwards only. It sees nothing before the anchored heads (an edit, removal
or reorder there is left to the full ``verify_chain``, run by ``tinhso audit verify``); without a
trustworthy anchor it is ``verify_chain``.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from tinhso.audit.alerts import raise_chain_alert
from tinhso.audit.anchors import (
    AnchorRecord,
    database_anchors,
    file_anchors,
    latest_database_anchor,
    stream_names,
    trusted_fingerprints,
)
from tinhso.audit.chain import entry_hash
from tinhso.audit.models import GENESIS_HASH, AuditEntry, AuditStreamHead, ChainCheck


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
    entries: int = 0  # entries re-hashed
    streams: int = 0
    anchors: int = 0  # valid anchors checked (the starting anchor only, when incremental)
    problems: list[Problem] = field(default_factory=list)
    # The last verified [seq, hash] of every stream with entries: what an anchor may sign.
    heads: dict[str, list[Any]] = field(default_factory=dict)
    since: str | None = None  # incremental from this anchor ("db#12"); None: the whole log

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    source: str


@dataclass(frozen=True)
class Start:
    """Where a stream's check begins: the genesis, or an anchored entry already checked."""

    seq: int = 0
    hash: str = GENESIS_HASH
    entry: AuditEntry | None = None
    source: str = ""


GENESIS = Start()


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
    # Both copies of an anchor are checked: a database row whose heads were changed keeps the
    # signature (and so the key) of its file copy.
    for record in in_files + in_db:
        if record.key_fingerprint not in trusted:
            report.problems.append(
                Problem("changed", "*", f"anchor {record.source} is signed by an untrusted key")
            )
        elif not record.signature_valid():
            report.problems.append(
                Problem("changed", "*", f"anchor {record.source} has an invalid signature")
            )
        elif key(record) not in seen:
            seen.add(key(record))
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
    stream: str,
    checkpoints: dict[int, Checkpoint],
    head_seq: int,
    report: VerifyReport,
    start: Start = GENESIS,
) -> Problem | None:
    expected, prev_hash, previous = start.seq + 1, start.hash, start.entry
    entries = AuditEntry.objects.filter(stream=stream, seq__gt=start.seq).order_by("seq")
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
            if previous is start.entry:  # checked against its signed anchor: this one changed
                return Problem(
                    "changed",
                    stream,
                    f"does not follow entry #{previous.pk}, signed by anchor {start.source} "
                    f"(replaced, or rewritten with a new hash) ({_describe(entry)})",
                    entry.pk,
                    entry.seq,
                )
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
    if last:
        report.heads[stream] = [last, prev_hash]
    return None


def verify_chain() -> VerifyReport:
    """Check every stream in full; ``report.ok`` when nothing was changed, removed or reordered."""
    report = VerifyReport()
    anchors = _check_anchors(report)
    checkpoints = _checkpoints(anchors)
    heads: dict[str, Any] = dict(AuditStreamHead.objects.values_list("stream", "seq"))
    streams = set(heads) | set(checkpoints) | set(stream_names())
    report.streams = len(streams)
    for stream in sorted(streams):
        problem = _verify_stream(stream, checkpoints.get(stream, {}), heads.get(stream, 0), report)
        if problem is not None:
            report.problems.append(problem)
    return report


def _trusted(record: AnchorRecord) -> bool:
    return record.key_fingerprint in trusted_fingerprints() and record.signature_valid()


def _anchored_start(
    stream: str, seq: int, digest: str, source: str, report: VerifyReport
) -> Start | Problem:
    """The entry an anchor signed for ``stream``, re-hashed and compared with the signature."""
    entry = AuditEntry.objects.filter(stream=stream, seq=seq).first()
    if entry is None:
        after = AuditEntry.objects.filter(stream=stream, seq__gt=seq).order_by("seq").first()
        if after is not None:
            return Problem(
                "removed",
                stream,
                f"the entry with seq {seq} signed by anchor {source} is missing before this one "
                f"({_describe(after)})",
                after.pk,
                after.seq,
            )
        before = AuditEntry.objects.filter(stream=stream, seq__lt=seq).order_by("-seq").first()
        last = before.seq if before is not None else 0
        return Problem(
            "truncated",
            stream,
            f"ends at seq {last} but anchor {source} signed seq {seq}: "
            f"entries {last + 1}–{seq} and any after them were removed",
            before.pk if before is not None else None,
            last or None,
        )
    report.entries += 1
    if entry_hash(entry) != entry.hash:
        return Problem(
            "changed",
            stream,
            f"content does not match its hash ({_describe(entry)})",
            entry.pk,
            entry.seq,
        )
    if entry.hash != digest:
        return Problem(
            "changed",
            stream,
            f"differs from signed anchor {source}: the stream was rewritten at or before this "
            f"position ({_describe(entry)})",
            entry.pk,
            entry.seq,
        )
    return Start(seq=seq, hash=digest, entry=entry, source=source)


def verify_since_last_anchor() -> VerifyReport:
    """Check each stream from the latest anchor's heads onwards (see the module's docstring).

    ``report.entries`` counts the entries re-hashed: the anchored heads plus what was written
    since, whatever the size of the log. Falls back to ``verify_chain`` when there is no anchor
    or when the latest one is not validly signed by a trusted key (which that check reports).
    """
    record = latest_database_anchor()
    if record is None or not _trusted(record):
        return verify_chain()
    report = VerifyReport(anchors=1, since=record.source)
    heads: dict[str, Any] = dict(AuditStreamHead.objects.values_list("stream", "seq"))
    streams = set(heads) | set(record.heads) | set(stream_names())
    report.streams = len(streams)
    for stream in sorted(streams):
        start: Start | Problem = GENESIS
        if stream in record.heads:
            seq, digest = record.heads[stream]
            start = _anchored_start(stream, int(seq), str(digest), record.source, report)
        problem = (
            start
            if isinstance(start, Problem)
            else _verify_stream(stream, {}, heads.get(stream, 0), report, start)
        )
        if problem is not None:
            report.problems.append(problem)
    return report


def check_and_record(*, incremental: bool = False) -> VerifyReport:
    """``verify_chain`` (or ``verify_since_last_anchor``), stored as a ``ChainCheck`` (the SOC
    page shows the latest); a broken chain raises the ``chain_broken`` alert.

    A successful incremental check is not stored: the anchor signed after it is its record, and
    the SOC page's "last check" stays the last check of the whole log.
    """
    report = verify_since_last_anchor() if incremental else verify_chain()
    if report.ok and report.since is not None:
        return report
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
        raise_chain_alert(problems)
    return report

"""``tinhso audit anchor``: checks each stream from the last anchor's heads on, then signs."""

import base64
from io import StringIO
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tinhso.accounts.models import User
from tinhso.audit.anchors import (
    current_heads,
    key_fingerprint,
    public_pem,
    signed_payload,
)
from tinhso.audit.chain import canonical_time, entry_hash
from tinhso.audit.models import AuditAnchor, AuditEntry, ChainCheck, SecurityAlert
from tinhso.audit.services import log_event
from tinhso.audit.tasks import anchor_audit_log
from tinhso.audit.verify import verify_chain, verify_since_last_anchor

pytestmark = pytest.mark.django_db


def anchor(*args: str) -> tuple[bool, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("audit", "anchor", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return False, err.getvalue() + str(exc)
    return True, out.getvalue()


def views(actor: User, count: int, tag: str) -> list[AuditEntry]:
    return [
        log_event(action="dossier.view", actor=actor, target=f"dossier:{tag}.{i}")
        for i in range(count)
    ]


@pytest.fixture
def officials() -> list[User]:
    """Several actors, so the log has several streams."""
    people = []
    for i in range(6):
        user = User.objects.create_user(f"official{i}", password="pw")
        User.objects.filter(pk=user.pk).update(kind=User.Kind.OFFICIAL)
        people.append(user)
    return people


def test_an_anchor_rehashes_only_the_anchored_heads_and_what_was_written_since(
    officials: list[User],
) -> None:
    for person in officials:
        views(person, 40, person.username)
    first = anchor_audit_log()
    assert first["since"] is None  # no anchor yet: the whole log
    assert first["verified"] == AuditEntry.objects.count() >= 240
    heads = len(AuditAnchor.objects.get(pk=first["anchor_id"]).heads)

    views(officials[0], 5, "a")
    views(officials[3], 2, "b")
    second = anchor_audit_log()
    assert second["since"] == f"db#{first['anchor_id']}"
    assert second["verified"] == heads + 7

    for person in officials:
        views(person, 5, "c")
    assert verify_since_last_anchor().entries == heads + 30
    assert verify_chain().entries == AuditEntry.objects.count() >= 277


def test_the_new_anchor_signs_the_heads_it_checked(officials: list[User]) -> None:
    views(officials[0], 3, "a")
    anchor_audit_log()
    views(officials[1], 3, "b")
    result = anchor_audit_log()
    assert AuditAnchor.objects.get(pk=result["anchor_id"]).heads == current_heads()
    ok, output = anchor()
    assert ok and "streams signed after checking" in output and "since anchor db#" in output


def test_anchor_refuses_when_an_entry_written_since_the_last_anchor_was_changed(
    five: list[AuditEntry], official: User, as_attacker: Any
) -> None:
    assert anchor()[0]
    later = views(official, 3, "later")
    as_attacker("UPDATE audit_auditentry SET target = 'x' WHERE id = %s", [later[1].pk])
    anchors = AuditAnchor.objects.count()
    ok, output = anchor()
    assert not ok
    assert f"CHANGED: entry #{later[1].pk} " in output and "content does not match" in output
    assert "since anchor db#" in output
    assert AuditAnchor.objects.count() == anchors
    check = ChainCheck.objects.first()
    assert check is not None and not check.ok
    assert SecurityAlert.objects.filter(rule__kind="chain_broken").exists()


def test_anchor_refuses_an_entry_replaced_right_after_the_anchored_head(
    five: list[AuditEntry], official: User, as_attacker: Any
) -> None:
    assert anchor()[0]
    later = views(official, 2, "later")
    forged = AuditEntry.objects.get(pk=later[0].pk)
    forged.prev_hash, forged.target = "f" * 64, "dossier:FORGED"
    as_attacker(
        "UPDATE audit_auditentry SET prev_hash = %s, target = %s, hash = %s WHERE id = %s",
        [forged.prev_hash, forged.target, entry_hash(forged), forged.pk],
    )
    ok, output = anchor()
    assert not ok
    assert f"CHANGED: entry #{later[0].pk} " in output
    assert f"does not follow entry #{five[4].pk}, signed by anchor db#" in output


def test_a_changed_anchored_head_is_caught_by_the_next_anchor(
    five: list[AuditEntry], official: User, as_attacker: Any
) -> None:
    assert anchor()[0]
    views(official, 2, "later")
    as_attacker("UPDATE audit_auditentry SET target = 'x' WHERE id = %s", [five[4].pk])
    ok, output = anchor()
    assert not ok
    assert f"CHANGED: entry #{five[4].pk} " in output and "content does not match" in output


def test_an_anchored_head_rewritten_with_a_fresh_hash_is_caught_by_the_next_anchor(
    five: list[AuditEntry], as_attacker: Any
) -> None:
    assert anchor()[0]
    head = AuditEntry.objects.get(pk=five[4].pk)
    head.target = "dossier:FORGED"
    as_attacker(
        "UPDATE audit_auditentry SET target = %s, hash = %s WHERE id = %s",
        [head.target, entry_hash(head), head.pk],
    )
    ok, output = anchor()
    assert not ok
    assert f"CHANGED: entry #{head.pk} " in output and "differs from signed anchor" in output


def test_a_removed_anchored_head_is_caught_by_the_next_anchor(
    five: list[AuditEntry], official: User, as_attacker: Any
) -> None:
    assert anchor()[0]
    later = views(official, 1, "later")
    as_attacker("DELETE FROM audit_auditentry WHERE id = %s", [five[4].pk])
    ok, output = anchor()
    assert not ok
    assert f"REMOVED: entry #{later[0].pk} " in output
    assert "the entry with seq 5 signed by anchor db#" in output


def test_a_change_before_the_last_anchor_is_left_to_the_full_verify(
    five: list[AuditEntry], official: User, as_attacker: Any
) -> None:
    """The documented limit: the incremental check does not look behind the anchored heads;
    ``tinhso audit verify`` (and ``anchor --full``) does, and names the entry."""
    assert anchor()[0]
    views(official, 2, "later")
    as_attacker("UPDATE audit_auditentry SET target = 'x' WHERE id = %s", [five[1].pk])
    assert anchor()[0]
    ok, output = anchor("--full")
    assert not ok
    assert f"CHANGED: entry #{five[1].pk} " in output and "whole log" in output
    report = verify_chain()
    assert [problem.entry_id for problem in report.problems] == [five[1].pk]


def test_a_last_anchor_with_a_broken_signature_is_not_a_starting_point(
    five: list[AuditEntry], official: User, as_attacker: Any
) -> None:
    """Its heads rewritten in the database: the anchor falls back to the full check, which
    reports the anchor (and so refuses to sign)."""
    assert anchor()[0]
    last = AuditAnchor.objects.get()
    views(official, 1, "later")
    as_attacker(
        "UPDATE audit_auditanchor SET heads = %s WHERE id = %s",
        ['{"s00": [1, "' + "0" * 64 + '"]}', last.pk],
    )
    ok, output = anchor()
    assert not ok
    assert f"anchor db#{last.pk} has an invalid signature" in output and "whole log" in output


def test_an_anchor_signed_by_an_untrusted_key_is_not_a_starting_point(
    five: list[AuditEntry], official: User, as_attacker: Any
) -> None:
    """Someone with the database but not the key tampers, then signs the state with a key of
    their own: the next anchor does not start from it."""
    assert anchor()[0]
    later = views(official, 2, "later")
    as_attacker("UPDATE audit_auditentry SET target = 'x' WHERE id = %s", [later[0].pk])
    rogue = Ed25519PrivateKey.generate()
    created = timezone.now()
    heads = current_heads()
    AuditAnchor.objects.create(
        created_at=created,
        heads=heads,
        algorithm="ed25519",
        key_fingerprint=key_fingerprint(rogue.public_key()),
        public_key=public_pem(rogue.public_key()),
        signature=base64.b64encode(
            rogue.sign(signed_payload(canonical_time(created), heads))
        ).decode(),
    )
    ok, output = anchor()
    assert not ok
    assert "signed by an untrusted key" in output
    assert f"CHANGED: entry #{later[0].pk} " in output

"""API keys: only the hash is kept, lookups by hash, revocation, audit, the command's contract."""

import datetime
import hashlib
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from tinhso.audit.models import AuditEntry
from tinhso.open311.models import ApiKey
from tinhso.open311.services import ApiKeyError, client_for_key, create_api_key, revoke_api_key

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("open311", *args, stdout=out)
    return out.getvalue()


def test_only_the_hash_of_a_key_is_stored():
    new = create_api_key(name="FixMyStreet Cần Thơ")
    stored = ApiKey.objects.get()
    assert stored.key_hash == hashlib.sha256(new.secret.encode()).hexdigest()
    assert new.secret.startswith(stored.prefix) and len(stored.prefix) == 13
    assert all(new.secret not in str(value) for value in ApiKey.objects.values().get().values())


def test_a_key_finds_its_client_and_records_its_use():
    new = create_api_key(name="ung-dung")
    client = client_for_key(new.secret)
    assert (client.name, client.prefix, client.key_id) == ("ung-dung", new.key.prefix, new.key.pk)
    used = ApiKey.objects.get().last_used_at
    assert used is not None
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=1)):
        client_for_key(new.secret)  # within five minutes: no write
    assert ApiKey.objects.get().last_used_at == used
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=10)):
        client_for_key(new.secret)
    assert ApiKey.objects.get().last_used_at > used


@pytest.mark.parametrize("raw", ["", "o311_", "o311_x", "x" * 201])
def test_unknown_keys_find_nothing(raw):
    create_api_key(name="ung-dung")
    assert client_for_key(raw) is None


def test_revocation_is_immediate_audited_and_idempotent():
    new = create_api_key(name="ung-dung")
    revoke_api_key(prefix=new.key.prefix[:9], actor=None)
    assert client_for_key(new.secret) is None
    first = ApiKey.objects.get().revoked_at
    revoke_api_key(prefix=new.key.prefix)
    assert ApiKey.objects.get().revoked_at == first
    actions = list(
        AuditEntry.objects.filter(action__startswith="open311.").values_list("action", "target")
    )
    assert actions == [
        ("open311.key_created", f"open311-key:{new.key.prefix}"),
        ("open311.key_revoked", f"open311-key:{new.key.prefix}"),
    ]


@pytest.mark.parametrize("prefix", ["o311", "o311_zzzzzzzz"])
def test_revoking_needs_a_prefix_that_names_one_key(prefix):
    create_api_key(name="ung-dung")
    with pytest.raises(ApiKeyError):
        revoke_api_key(prefix=prefix)
    assert ApiKey.objects.get().revoked_at is None


def test_an_ambiguous_prefix_revokes_nothing():
    for n, prefix in enumerate(["o311_abcd1111", "o311_abcd2222"]):
        ApiKey.objects.create(name=f"app-{n}", prefix=prefix, key_hash=f"{n}" * 64)
    with pytest.raises(ApiKeyError, match="nhiều khóa"):
        revoke_api_key(prefix="o311_abcd")
    assert not ApiKey.objects.filter(revoked_at__isnull=False).exists()
    revoke_api_key(prefix="o311_abcd2")
    assert list(ApiKey.objects.filter(revoked_at__isnull=False).values_list("name", flat=True)) == [
        "app-1"
    ]


def test_empty_name_is_refused():
    with pytest.raises(ApiKeyError):
        create_api_key(name="  ")


# --- the command -----------------------------------------------------------------------------


def test_key_create_prints_the_key_alone_on_the_last_line():
    output = run("key", "create", "--name", "FixMyStreet")
    last = output.rstrip("\n").splitlines()[-1]
    assert last.startswith("o311_") and " " not in last
    client = client_for_key(last)
    assert client is not None and client.name == "FixMyStreet"
    assert output.count(last) == 1


def test_key_create_records_who_asked(django_user_model):
    user = django_user_model.objects.create_user(username="quantri", password="x")
    run("key", "create", "--name", "app", "--created-by", "quantri")
    assert ApiKey.objects.get().created_by == user
    with pytest.raises(CommandError):
        run("key", "create", "--name", "app", "--created-by", "khong-co")


def test_key_list_and_revoke():
    secret = run("key", "create", "--name", "app-mot").splitlines()[-1]
    run("key", "create", "--name", "app-hai")
    prefix = secret[:13]
    listing = run("key", "list")
    assert "app-mot" in listing and "app-hai" in listing and prefix in listing
    assert secret not in listing
    assert f"revoked {prefix}" in run("key", "revoke", prefix)
    assert client_for_key(secret) is None
    line = next(line for line in run("key", "list").splitlines() if line.startswith(prefix))
    assert "revoked" in line
    with pytest.raises(CommandError):
        run("key", "revoke", "o311_nothing")

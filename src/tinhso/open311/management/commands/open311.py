"""``tinhso open311 key create --name <client>``: a new API key for a client application, printed
once, alone on the last line (scripts take ``| tail -n 1``); only its SHA-256 is stored.
``tinhso open311 key list``: every key by prefix, client, dates. ``tinhso open311 key revoke
<prefix>``: the key stops working at once."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tinhso.accounts.models import User
from tinhso.open311 import services
from tinhso.open311.models import ApiKey


class Command(BaseCommand):
    help = "Khóa API Open311 cho ứng dụng khách: `key create`, `key list`, `key revoke`."

    def add_arguments(self, parser: CommandParser) -> None:
        groups = parser.add_subparsers(dest="group", required=True)
        key = groups.add_parser("key", help="API keys of client applications")
        actions = key.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a key; it is printed once")
        create.add_argument("--name", required=True, help="the client application")
        create.add_argument("--created-by", default="", help="username of who asked for it")
        actions.add_parser("list", help="List the keys (prefix, client, created, used, revoked)")
        revoke = actions.add_parser("revoke", help="Revoke the key with this prefix")
        revoke.add_argument("prefix")
        revoke.add_argument("--by", default="", help="username of who revokes it")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "create":
                self.create(options["name"], _user(options["created_by"]))
            elif options["action"] == "list":
                self.list()
            elif options["action"] == "revoke":
                key = services.revoke_api_key(prefix=options["prefix"], actor=_user(options["by"]))
                self.stdout.write(f"revoked {key.prefix} ({key.name})")
        except services.ApiKeyError as exc:
            raise CommandError(str(exc)) from exc

    def create(self, name: str, created_by: User | None) -> None:
        new = services.create_api_key(name=name, created_by=created_by)
        self.stdout.write(f"Open311 API key for {new.key.name!r}, prefix {new.key.prefix}.")
        self.stdout.write("It is shown only now; only its hash is stored.")
        self.stdout.write(new.secret)

    def list(self) -> None:
        for key in ApiKey.objects.all():
            state = f"revoked {_when(key.revoked_at)}" if key.revoked_at else "active"
            self.stdout.write(
                f"{key.prefix}\t{key.name}\tcreated {_when(key.created_at)}"
                f"\tlast used {_when(key.last_used_at)}\t{state}"
            )


def _user(username: str) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"no user {username!r}")
    return user


def _when(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "never"

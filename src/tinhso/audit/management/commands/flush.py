"""Django's ``flush``, able to empty the audit tables on SQLite (``tinhso.audit.guards``).

On PostgreSQL ``flush`` truncates, which the audit triggers allow to a superuser only (the role
the test framework and administrators run it as): this command changes nothing there. On SQLite
``flush`` deletes, which migration 0003's triggers refuse; the triggers are lifted for the flush's
transaction and re-created in it — the SQLite counterpart of the superuser's TRUNCATE. Transactional
tests end with this command.
"""

from typing import Any

from django.core.management.commands import flush
from django.db import connections

from tinhso.audit.guards import deletes_allowed_for_flush


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        database = options["database"]
        connection = connections[database]
        if connection.vendor != "sqlite":
            super().handle(**options)
            return
        if options["interactive"]:
            # Asked here, outside the transaction: waiting for an answer must not hold the lock.
            confirm = input(
                f'This will IRREVERSIBLY DESTROY all data in the "{connection.settings_dict["NAME"]}" '
                "database, the audit log included.\nType 'yes' to continue, or 'no' to cancel: "
            )
            if confirm != "yes":
                self.stdout.write("Flush cancelled.")
                return
        with deletes_allowed_for_flush(database):
            super().handle(**{**options, "interactive": False})

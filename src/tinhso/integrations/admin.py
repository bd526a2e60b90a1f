"""Read-only admin views of the outbox and the integration log: changes go through the outbox's
services (re-queue on the operations page, audited), never through a form here."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tinhso.integrations.datastore.models import NationalCopy, PushedResult
from tinhso.integrations.models import InboundDossier, IntegrationLog, OutboxItem, SystemPause
from tinhso.integrations.population.models import PopulationLookup
from tinhso.integrations.sso.models import NationalAccount, UsedSignInState


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboxItem)
class OutboxItemAdmin(ReadOnlyAdmin):
    list_display = ["id", "system", "operation", "key", "status", "attempts", "next_attempt_at"]
    list_filter = ["system", "status", "operation"]
    search_fields = ["key", "last_error"]
    raw_id_fields = ["dossier"]


@admin.register(IntegrationLog)
class IntegrationLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "system", "service", "key", "http_status", "error_code", "outcome"]
    list_filter = ["system", "direction", "outcome"]
    search_fields = ["key", "service", "error_code"]


@admin.register(SystemPause)
class SystemPauseAdmin(ReadOnlyAdmin):
    list_display = ["system", "until", "reason"]


@admin.register(InboundDossier)
class InboundDossierAdmin(ReadOnlyAdmin):
    """Dossiers that came from the national portal: read only, as every row here is written by
    the import in the dossier's own transaction (R-NAT-051)."""

    list_display = [
        "national_code",
        "source_system",
        "channel",
        "dossier",
        "received_at",
        "acked_at",
    ]
    list_filter = ["source_system", "channel"]
    search_fields = ["national_code", "dossier__code"]
    raw_id_fields = ["dossier"]


@admin.register(PopulationLookup)
class PopulationLookupAdmin(ReadOnlyAdmin):
    """Lookups in the national population database: who looked whom up, when, and how the answer
    compared; the answer itself is never kept (docs/population.md)."""

    list_display = ["request_id", "personal_id", "outcome", "purpose", "requested_by", "created_at"]
    list_filter = ["outcome", "purpose"]
    search_fields = ["request_id", "personal_id", "dossier__code"]
    raw_id_fields = ["dossier", "requested_by"]


@admin.register(PushedResult)
class PushedResultAdmin(ReadOnlyAdmin):
    """Results the citizen's national data store accepted (docs/datastore.md)."""

    list_display = ["result", "owner_number", "pushed_at"]
    search_fields = ["owner_number"]
    raw_id_fields = ["result"]


@admin.register(NationalCopy)
class NationalCopyAdmin(ReadOnlyAdmin):
    """Documents taken from the citizen's national data store into their Tỉnh Số store."""

    list_display = ["document", "owner_number", "result_code", "fetched_at"]
    search_fields = ["owner_number", "result_code"]
    raw_id_fields = ["document"]


@admin.register(NationalAccount)
class NationalAccountAdmin(ReadOnlyAdmin):
    """Accounts of the national public-service portal linked to ours (docs/dvcqg-sso.md): read
    only, as only a sign-in writes a link (R-NAT-055), audited with it; support looks up which
    account a TechID signs in to and whether its last sign-in was VNeID level 2."""

    list_display = [
        "tech_id",
        "user",
        "account_type",
        "vneid_verified",
        "assurance",
        "linked_at",
        "last_login_at",
    ]
    list_filter = ["account_type", "vneid_verified"]
    search_fields = ["tech_id", "user__username", "user__personal_id", "user__tax_code"]
    raw_id_fields = ["user"]


@admin.register(UsedSignInState)
class UsedSignInStateAdmin(ReadOnlyAdmin):
    """The hashes of the sign-in ``state`` values already used (R-NAT-056), kept for a day so that a
    replay is refused from any session; never the state itself."""

    list_display = ["state_hash", "used_at"]
    search_fields = ["state_hash"]

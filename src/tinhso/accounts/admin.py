from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from tinhso.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "kind", "email", "is_active"]
    list_filter = ["kind", "is_active", "is_staff"]
    search_fields = ["username", "full_name", "email", "phone"]
    raw_id_fields = ["commune"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (
            _("Thông tin công dân, cán bộ"),
            {
                "fields": (
                    "kind",
                    "full_name",
                    "personal_id",
                    "tax_code",
                    "phone",
                    "address",
                    "commune",
                )
            },
        ),
    )

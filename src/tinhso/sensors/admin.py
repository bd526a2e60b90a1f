from django.contrib import admin

from tinhso.sensors import models


@admin.register(models.Thing)
class ThingAdmin(admin.ModelAdmin[models.Thing]):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(models.Datastream)
class DatastreamAdmin(admin.ModelAdmin[models.Datastream]):
    list_display = ["name", "thing", "phenomenon_time_end", "latest_result"]
    list_select_related = ["thing"]


@admin.register(models.RejectedReading)
class RejectedReadingAdmin(admin.ModelAdmin[models.RejectedReading]):
    list_display = ["received_at", "source", "reason", "detail", "datastream_id_claimed"]
    list_filter = ["reason", "source"]


@admin.register(models.Subscription)
class SubscriptionAdmin(admin.ModelAdmin[models.Subscription]):
    list_display = ["__str__", "uses", "created_at", "confirmed_at", "cancelled_at"]
    exclude = ["confirm_code_hash", "token"]


@admin.register(models.SalinityAlert)
class SalinityAlertAdmin(admin.ModelAdmin[models.SalinityAlert]):
    list_display = ["created_at", "datastream", "use", "kind", "level", "value", "phenomenon_time"]
    list_filter = ["use", "kind"]


@admin.register(models.DeviceToken)
class DeviceTokenAdmin(admin.ModelAdmin[models.DeviceToken]):
    list_display = ["thing", "label", "created_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]


admin.site.register(
    [models.Location, models.Sensor, models.ObservedProperty, models.FeatureOfInterest]
)

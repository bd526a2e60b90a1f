"""``/open311/v2/``: Open311 GeoReport v2 (issue 18)."""

from django.urls import URLPattern

app_name = "open311"
urlpatterns: list[URLPattern] = []

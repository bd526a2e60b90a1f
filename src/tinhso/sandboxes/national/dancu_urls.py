"""Routes of the sandbox's dancu emulation (issue 17), mounted under ``/sandbox/national/``."""

from django.urls import URLPattern, path

from tinhso.sandboxes.national import dancu_views

urlpatterns: list[URLPattern] = [
    path("dancu/lookup", dancu_views.lookup, name="national-dancu-lookup"),
]

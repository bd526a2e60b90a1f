"""Routes of the sandbox's Q&A test control (issue 18), mounted under ``/sandbox/national/``."""

from django.urls import URLPattern, path

from tinhso.sandboxes.national import pakn_views

urlpatterns: list[URLPattern] = [
    path("pakn/seed", pakn_views.seed, name="national-pakn-seed"),
]

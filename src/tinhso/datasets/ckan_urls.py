"""CKAN Action API v3, mounted at /api/3/."""

from django.urls import URLPattern, path

from tinhso.datasets import ckan

app_name = "ckan"
urlpatterns: list[URLPattern] = [
    path("", ckan.api_version, name="version"),
    path("action/<str:name>", ckan.action_view, name="action"),
]

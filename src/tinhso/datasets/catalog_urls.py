"""Harvesting endpoints at the site root (included before the portal: exact paths only)."""

from django.urls import URLPattern, path

from tinhso.datasets import ckan, dcat

app_name = "catalog"
urlpatterns: list[URLPattern] = [
    path("catalog.jsonld", dcat.catalog_jsonld, name="jsonld"),
    path("catalog.ttl", dcat.catalog_turtle, name="turtle"),
    path("data.json", dcat.data_json, name="data_json"),
    # CKAN's un-versioned action route: what ckanapi.RemoteCKAN calls (``<site>/api/action/<name>``).
    path("api/action/<str:name>", ckan.action_view, name="ckan_action"),
]

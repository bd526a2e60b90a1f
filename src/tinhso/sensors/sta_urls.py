"""SensorThings API 1.1 (OGC 18-088) under /api/sensorthings/v1.1/: a protocol endpoint."""

from django.urls import URLPattern, re_path

from tinhso.sensors.sta import views

app_name = "sensorthings"
urlpatterns: list[URLPattern] = [
    re_path(r"^$", views.root, name="root"),
    re_path(r"^(?P<path>.+)$", views.resource, name="resource"),
]

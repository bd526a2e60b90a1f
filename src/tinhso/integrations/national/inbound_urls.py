"""The push adapter of dossiers filed on the national portal (spec §4.1-1, R-NAT-050); the root
URLconf mounts it under ``/national/``."""

from django.urls import path

from tinhso.integrations.national import inbound_views

app_name = "national_inbound"
urlpatterns = [path("inbound/dossiers", inbound_views.push, name="push")]

"""``/open311/v2/``: Open311 GeoReport v2 (issue 18, docs/open311.md). Every route ends in its
format, ``.json`` or ``.xml``; any other suffix is an unknown resource (404)."""

from django.urls import URLPattern, re_path

from tinhso.open311 import views

app_name = "open311"

FMT = r"\.(?P<fmt>json|xml)$"
urlpatterns: list[URLPattern] = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.services, name="services"),
    re_path(r"^services/(?P<service_code>[^/]+)" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.requests, name="requests"),
    re_path(r"^requests/(?P<request_id>[^/]+)" + FMT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+)" + FMT, views.token, name="token"),
    re_path(r"^servicerequestupdates" + FMT, views.request_updates, name="updates"),
]

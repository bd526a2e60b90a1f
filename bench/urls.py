"""The project's URLs plus a bare view: the floor that every request pays (server + middleware)."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [
    path("bench/bare", bare),
    path("", include("tinhso.urls")),
]

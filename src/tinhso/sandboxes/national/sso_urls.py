"""Routes of the sandbox's sso emulation (issue 17), mounted under ``/sandbox/national/``."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []

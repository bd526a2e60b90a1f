"""Routes of the sandbox's store emulation (issue 17), mounted under ``/sandbox/national/``."""

from django.urls import URLPattern, path

from tinhso.sandboxes.national import kho_views

urlpatterns: list[URLPattern] = [
    path("store/ketqua", kho_views.ketqua, name="national-store-ketqua"),
    path("store/file", kho_views.file, name="national-store-file"),
    path("store/results", kho_views.results, name="national-store-results"),
]

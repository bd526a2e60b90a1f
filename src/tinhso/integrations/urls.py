"""``/lien-thong/``: the integration layer's pages and the signed file links outside systems fetch."""

from django.urls import URLPattern, path

from tinhso.integrations import views

app_name = "integrations"
urlpatterns: list[URLPattern] = [
    path("", views.overview, name="overview"),
    path("thong-diep/<int:pk>/gui-lai/", views.requeue, name="requeue"),
    path("danh-muc-tthc/dong-bo/", views.sync_catalogue, name="sync_catalogue"),
]

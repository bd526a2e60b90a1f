from django.urls import path

from . import views

app_name = "ioc_public"
urlpatterns = [
    path("", views.public_view, name="home"),
    path("xuat.<slug:fmt>", views.public_export_view, name="export"),
]

"""Routes of the national portal sign-in, mounted at ``/tai-khoan/dvcqg/``."""

from django.urls import URLPattern, path

from tinhso.integrations.sso import views

app_name = "sso"
urlpatterns: list[URLPattern] = [
    path("", views.start, name="start"),
    path("callback/", views.callback, name="callback"),
    path("dang-xuat/", views.sign_out, name="logout"),
]

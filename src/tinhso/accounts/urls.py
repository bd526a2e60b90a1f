from django.urls import URLPattern, path

from tinhso.accounts import oidc, privacy, views

app_name = "accounts"
urlpatterns: list[URLPattern] = [
    path("xac-thuc-2-buoc/", views.otp_verify, name="otp_verify"),
    path("xac-thuc-2-buoc/dang-ky/", views.otp_enrol, name="otp_enrol"),
    path("xac-thuc-2-buoc/can-bo/", views.staff_second_factors, name="otp_staff"),
    path(
        "xac-thuc-2-buoc/can-bo/<int:pk>/dat-lai/",
        views.reset_staff_second_factor,
        name="otp_reset",
    ),
    path("vneid/", oidc.start, name="oidc_start"),
    path("vneid/callback/", oidc.callback, name="oidc_callback"),
    path("du-lieu-cua-toi/", privacy.my_data, name="my_data"),
    path("du-lieu-cua-toi/tai-ve/", privacy.my_data_download, name="my_data_download"),
]

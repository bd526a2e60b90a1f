from django.urls import URLPattern, path

from tinhso.accounts import oidc, views
from tinhso.accounts import privacy_views as privacy
from tinhso.accounts import securitykey_views as keys

app_name = "accounts"
urlpatterns: list[URLPattern] = [
    # A locked account: ask for an unlock code, then sign in with it and the password.
    path("mo-khoa/", views.unlock_request, name="unlock_request"),
    path("mo-khoa/nhap-ma/", views.unlock_verify, name="unlock_verify"),
    path("xac-thuc-2-buoc/", views.otp_verify, name="otp_verify"),
    path("xac-thuc-2-buoc/dang-ky/", views.otp_enrol, name="otp_enrol"),
    path("xac-thuc-2-buoc/can-bo/", views.staff_second_factors, name="otp_staff"),
    path(
        "xac-thuc-2-buoc/can-bo/<int:pk>/dat-lai/",
        views.reset_staff_second_factor,
        name="otp_reset",
    ),
    # WebAuthn: signing in with a key (half signed in, see middleware._open_pages) …
    path(
        "xac-thuc-2-buoc/khoa-bao-mat/tuy-chon/",
        keys.authentication_options,
        name="webauthn_auth_options",
    ),
    path("xac-thuc-2-buoc/khoa-bao-mat/", keys.authenticate, name="webauthn_authenticate"),
    # … and the official's keys (verified session only).
    path("khoa-bao-mat/", keys.keys, name="webauthn_keys"),
    path("khoa-bao-mat/dang-ky/tuy-chon/", keys.register_options, name="webauthn_register_options"),
    path("khoa-bao-mat/dang-ky/", keys.register, name="webauthn_register"),
    path("khoa-bao-mat/<int:pk>/xoa/", keys.remove, name="webauthn_remove"),
    # Changing one's own password (every signed-in user; officials after the second factor).
    path("mat-khau/", views.password_change, name="password_change"),
    path("vneid/", oidc.start, name="oidc_start"),
    path("vneid/callback/", oidc.callback, name="oidc_callback"),
    path("dong-y/", privacy.consent, name="consent"),
    path("du-lieu-cua-toi/", privacy.my_data, name="my_data"),
    path("du-lieu-cua-toi/rut-dong-y/", privacy.withdraw_consent, name="withdraw_consent"),
    path("du-lieu-cua-toi/tai-ve/", privacy.my_data_download, name="my_data_download"),
]

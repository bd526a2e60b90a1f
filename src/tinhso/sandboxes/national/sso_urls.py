"""Routes of the sandbox's sso emulation (issue 17), mounted under ``/sandbox/national/``."""

from django.urls import URLPattern, path

from tinhso.sandboxes.national import sso_views

urlpatterns: list[URLPattern] = [
    path("oidc/authorize", sso_views.authorize, name="national-sso-authorize"),
    path("oidc/token", sso_views.token, name="national-sso-token"),
    path("oidc/userinfo", sso_views.userinfo, name="national-sso-userinfo"),
    path("oidc/validate", sso_views.validate, name="national-sso-validate"),
    path("oidc/jwks", sso_views.jwks, name="national-sso-jwks"),
    path("oidc/logout", sso_views.logout, name="national-sso-logout"),
]

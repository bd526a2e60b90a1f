"""``/sandbox/national/``: the in-project national portal (404 unless TINHSO_NATIONAL_SANDBOX)."""

from django.urls import URLPattern, URLResolver, include, path, re_path

from tinhso.sandboxes.national import views

app_name = "sandboxes"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("tinhso.sandboxes.national.pay_urls")),
    path("", include("tinhso.sandboxes.national.store_urls")),
    path("", include("tinhso.sandboxes.national.dancu_urls")),
    path("", include("tinhso.sandboxes.national.sso_urls")),
    path("", include("tinhso.sandboxes.national.post_urls")),
    path("", include("tinhso.sandboxes.national.pakn_urls")),
    path("auth", views.auth, name="national-auth"),
    path("integration", views.integration, name="national-integration"),
    re_path(r"^hoso/(?P<operation>themmoi|capnhat|tientrinh)$", views.hoso, name="national-hoso"),
    path("token", views.token, name="national-token"),
    re_path(
        r"^lgsp/hoso/(?P<operation>themmoi|capnhat|tientrinh)$",
        views.lgsp_hoso,
        name="national-lgsp-hoso",
    ),
    path("state", views.state, name="national-state"),
    path("reset", views.reset, name="national-reset"),
    path("faults", views.set_faults, name="national-faults"),
    re_path(
        r"^catalogue/(?P<route>LayDanhSachTTHCDonVi|LayThuTuc|LayQDCB)$",
        views.catalogue_route,
        name="national-catalogue",
    ),
    path("inbound/list", views.inbound_list, name="national-inbound-list"),
    path("inbound/detail/<str:item_id>", views.inbound_detail, name="national-inbound-detail"),
    path("inbound/ack", views.inbound_ack, name="national-inbound-ack"),
    path("inbound/seed", views.inbound_seed, name="national-inbound-seed"),
    path("inbound/push", views.inbound_push, name="national-inbound-push"),
    path("index766", views.index_766, name="national-index766"),
]

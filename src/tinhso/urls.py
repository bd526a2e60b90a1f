from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from tinhso.api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("backoffice/thanh-toan/", include("tinhso.payments.staff_urls")),
    path("backoffice/kiem-soat/", include("tinhso.audit.urls")),
    path("backoffice/", include("tinhso.backoffice.urls")),
    path("kho-giay-to/", include("tinhso.stores.urls")),
    path("xac-thuc/", include("tinhso.results.urls")),
    path("payments/", include("tinhso.payments.urls")),
    path("sandbox/national/", include("tinhso.sandboxes.urls")),
    path("lien-thong/", include("tinhso.integrations.national.urls")),
    path("national/", include("tinhso.integrations.national.inbound_urls")),
    path("lien-thong/", include("tinhso.integrations.urls")),
    path("tai-khoan/dvcqg/", include("tinhso.integrations.sso.urls")),
    path("postal/", include("tinhso.integrations.postal.urls")),
    path("open311/v2/", include("tinhso.open311.urls")),
    path("tai-khoan/", include("tinhso.accounts.urls")),
    path("dieu-hanh/chuong-trinh/", include("tinhso.indicators.urls")),
    path("dieu-hanh/", include("tinhso.ioc.urls")),
    path("minh-bach/", include("tinhso.ioc.public_urls")),
    path("api/3/", include("tinhso.datasets.ckan_urls")),
    path("du-lieu/", include("tinhso.datasets.urls")),
    path("api/sensorthings/v1.1/", include("tinhso.sensors.sta_urls")),
    path("quan-trac/", include("tinhso.sensors.urls")),
    path("lich-lam-viec/", include("tinhso.calendars.urls")),
    path("", include("tinhso.datasets.catalog_urls")),
    path("", include("tinhso.portal.urls")),
]

# No route serves MEDIA_ROOT, in any mode (debug included): uploads, slips, results and stored
# documents hold personal data and are downloaded only through views that check access.

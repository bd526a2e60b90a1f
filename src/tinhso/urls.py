from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from tinhso.api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("backoffice/thanh-toan/", include("tinhso.payments.staff_urls")),
    path("backoffice/", include("tinhso.backoffice.urls")),
    path("kho-giay-to/", include("tinhso.stores.urls")),
    path("xac-thuc/", include("tinhso.results.urls")),
    path("payments/", include("tinhso.payments.urls")),
    path("", include("tinhso.portal.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

"""``/payments/``: the generic provider routes (``views``), the addresses outside parties were
given before them, and the in-project VNPay sandbox gateway."""

from django.urls import path

from tinhso.payments import views
from tinhso.payments.sandbox import views as sandbox_views

app_name = "payments"
urlpatterns = [
    # Registered with VNPay as the IPN URL before the generic routes existed: kept, same view as
    # /payments/vnpay/callback. (The Return URL, /payments/vnpay/return, is the generic route.)
    path("vnpay/ipn", views.callback, {"provider": "vnpay"}, name="vnpay_ipn"),
    # The in-project sandbox gateway (404 unless TINHSO_VNPAY_SANDBOX).
    path("sandbox/vnpay/pay", sandbox_views.pay, name="sandbox_vnpay_pay"),
    path("sandbox/vnpay/api", sandbox_views.api, name="sandbox_vnpay_api"),
    # Generic routes: each hands the request to the provider (docs/payments.md).
    path("<slug:provider>/start/<str:code>", views.start, name="start"),
    path("<slug:provider>/return", views.provider_return, name="return"),
    path("<slug:provider>/callback", views.callback, name="callback"),
    path("<slug:provider>/webhook", views.webhook, name="webhook"),
    path("<slug:provider>/query/<str:reference>", views.query, name="query"),
]

"""Routes of the sandbox's pay emulation (issue 17), mounted under ``/sandbox/national/``."""

from django.urls import URLPattern, path

from tinhso.sandboxes.national import pay_views

urlpatterns: list[URLPattern] = [
    path("pay/init", pay_views.init, name="national-pay-init"),
    path("pay/query", pay_views.query, name="national-pay-query"),
    path("pay/bill", pay_views.bill, name="national-pay-bill"),
    path("pay/complete", pay_views.complete, name="national-pay-complete"),
    path("pay/checkout/<str:reference>", pay_views.checkout, name="national-pay-checkout"),
]

from django.urls import path

from tinhso.payments import vnpay_views
from tinhso.payments.sandbox import views as sandbox_views

app_name = "payments"
urlpatterns = [
    # Registered with VNPay as the IPN URL (HTTPS in production) and sent as vnp_ReturnUrl.
    path("vnpay/ipn", vnpay_views.ipn, name="vnpay_ipn"),
    path("vnpay/return", vnpay_views.vnpay_return, name="vnpay_return"),
    # The in-project sandbox gateway (404 unless TINHSO_VNPAY_SANDBOX).
    path("sandbox/vnpay/pay", sandbox_views.pay, name="sandbox_vnpay_pay"),
    path("sandbox/vnpay/api", sandbox_views.api, name="sandbox_vnpay_api"),
]

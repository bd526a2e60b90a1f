"""Officials' payment pages, mounted by the project at ``backoffice/thanh-toan/``."""

from django.urls import path

from . import staff_views, views

app_name = "payments_staff"
urlpatterns = [
    path("", staff_views.queue, name="queue"),
    path("giao-dich/<int:pk>/", staff_views.transfer_detail, name="transfer"),
    path("giao-dich/<int:pk>/xu-ly/", staff_views.transfer_resolve, name="transfer_resolve"),
    path("sao-ke/", staff_views.statement_upload, name="statement"),
    path("doi-soat/", staff_views.reconciliation_page, name="reconciliation"),
    path("doi-soat/excel/", staff_views.reconciliation_excel, name="reconciliation_excel"),
    path("tai-quay/", staff_views.counter_find, name="counter_find"),
    path("tai-quay/<str:code>/", staff_views.counter, name="counter"),
    path("bien-lai/<int:pk>/", staff_views.receipt, name="receipt"),
    # Called by the bank (or an intermediary), not by officials: HMAC-signed, CSRF-exempt. The
    # address banks were given before /payments/vietqr/webhook existed: kept, same view.
    path("ngan-hang/bao-co/", views.webhook, {"provider": "vietqr"}, name="bank_webhook"),
]

from django.urls import path

from . import reports_views, views

app_name = "backoffice"
urlpatterns = [
    path("", views.inbox_view, name="inbox"),
    path("ho-so/<str:code>/", views.dossier_view, name="dossier"),
    path("ho-so/<str:code>/thao-tac/", views.act_view, name="act"),
    path("ho-so/<str:code>/ket-qua/", views.result_draft_save, name="result_draft"),
    path("ho-so/<str:code>/ket-qua/du-thao.pdf", views.result_draft_pdf, name="result_draft_pdf"),
    path("ho-so/<str:code>/ket-qua/ban-ky-so.pdf", views.result_signed_pdf, name="result_pdf"),
    path("ho-so/<str:code>/tep/<int:pk>/", views.attachment_view, name="attachment"),
    path("ho-so/<str:code>/phieu/<int:pk>/", views.slip_view, name="slip"),
    path("ho-so/<str:code>/phieu-kiem-soat/", views.control_slip_view, name="control_slip"),
    path("tiep-nhan/", views.counter_new, name="counter_new"),
    path("tiep-nhan/tim/", views.counter_find, name="counter_find"),
    path("tiep-nhan/tim/<str:code>/", views.counter_receive, name="counter_receive"),
    path("tiep-nhan/<str:code>/", views.counter_done, name="counter_done"),
    # Reports and petitions (issue 18, helper roffice).
    path("phan-anh/", reports_views.reports_inbox, name="reports"),
    path("phan-anh/<str:public_id>/", reports_views.report_view, name="report"),
    path("phan-anh/<str:public_id>/thao-tac/", reports_views.report_act, name="report_act"),
    path("phan-anh/<str:public_id>/anh/<int:pk>/", reports_views.report_photo, name="report_photo"),
]

from django.contrib.auth import views as auth_views
from django.urls import path

from tinhso.accounts import views as accounts_views

from . import population, registration, reports_views, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("thu-tuc/", views.procedures, name="procedures"),
    path("thu-tuc/<str:code>/", views.procedure, name="procedure"),
    path("thu-tuc/<str:code>/nop/", views.apply, name="apply"),
    path("thu-tuc/<str:code>/nop/dan-cu/ma/", population.send_code, name="dancu_code"),
    path("thu-tuc/<str:code>/nop/dan-cu/tra-cuu/", population.lookup, name="dancu_lookup"),
    path("ban-nhap/<int:pk>/", views.draft, name="draft"),
    path("ho-so/", views.my_dossiers, name="my_dossiers"),
    path("ho-so/<str:code>/", views.dossier, name="dossier"),
    path("ho-so/<str:code>/tep/<int:pk>/", views.attachment, name="attachment"),
    path("ho-so/<str:code>/phieu/<int:pk>/", views.slip, name="slip"),
    path("ho-so/<str:code>/bo-sung/", views.supplement, name="supplement"),
    path("ho-so/<str:code>/rut/", views.withdraw, name="withdraw"),
    path("ho-so/<str:code>/danh-gia/", views.rate, name="rate"),
    path("tra-cuu/", views.lookup, name="lookup"),
    # Reports and petitions (issue 18, part 2): tinhso.portal.reports_views.
    path("phan-anh/", reports_views.report_list, name="reports"),
    path("phan-anh/gui/", reports_views.report_new, name="report_new"),
    path("phan-anh/gui/ma/", reports_views.report_code, name="report_code"),
    path("phan-anh/cua-toi/", reports_views.my_reports, name="my_reports"),
    path("phan-anh/<str:public_id>/", reports_views.report_detail, name="report"),
    path(
        "phan-anh/<str:public_id>/cung-van-de/", reports_views.report_support, name="report_support"
    ),
    path("phan-anh/<str:public_id>/danh-gia/", reports_views.report_rate, name="report_rate"),
    path("phan-anh/<str:public_id>/mo-lai/", reports_views.report_reopen, name="report_reopen"),
    # The sign-in page is the accounts app's; its name stays "portal:login" (LOGIN_URL).
    path("dang-nhap/", accounts_views.LoginView.as_view(), name="login"),
    path("dang-ky/", registration.register, name="register"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
]

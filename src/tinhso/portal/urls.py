from django.contrib.auth import views as auth_views
from django.urls import path

from tinhso.accounts import views as accounts_views

from . import population, registration, views

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
    # The sign-in page is the accounts app's; its name stays "portal:login" (LOGIN_URL).
    path("dang-nhap/", accounts_views.LoginView.as_view(), name="login"),
    path("dang-ky/", registration.register, name="register"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
]

"""The national side's file pulls (R-NAT-035); the root URLconf mounts them under ``/lien-thong/``."""

from django.urls import path

from tinhso.integrations.national import views

app_name = "national_files"
urlpatterns = [path("tep/<str:token>/", views.national_file, name="file")]

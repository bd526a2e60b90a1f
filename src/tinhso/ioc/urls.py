from django.urls import path

from . import views

app_name = "ioc"
urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("ho-so/", views.dossiers_view, name="dossiers"),
    path("ho-so/<str:code>/", views.dossier_view, name="dossier"),
    path("chi-so-766/", views.index766_view, name="index766"),
    path("xuat/<slug:table>.<slug:fmt>", views.export_view, name="export"),
]

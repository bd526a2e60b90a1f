from django.urls import path

from tinhso.results import views

app_name = "results"

urlpatterns = [
    path("", views.verify, name="verify"),
    path("<str:token>/", views.token, name="token"),
    path("<str:token>/tai-ve/", views.download, name="download"),
]

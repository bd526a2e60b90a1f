from django.urls import path

from . import views

app_name = "stores"
urlpatterns = [
    path("", views.document_list, name="list"),
    path("tai-len/", views.upload, name="upload"),
    path("<int:pk>/tai-ve/", views.download, name="download"),
    path("<int:pk>/xoa/", views.delete, name="delete"),
]

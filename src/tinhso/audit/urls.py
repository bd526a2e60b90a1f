from django.urls import path

from tinhso.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.search, name="search"),
    path("ban-ghi/<int:pk>/", views.entry, name="entry"),
    path("xuat.jsonl", views.export, name="export"),
    path("soc/", views.soc, name="soc"),
    path("soc/kiem-tra/", views.verify_now, name="verify"),
    path("canh-bao/<int:pk>/xac-nhan/", views.acknowledge, name="acknowledge"),
]
